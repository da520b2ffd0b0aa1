"""Claims in the prose of a response: what it says about the code, found with regexes.

Extraction only (no code is read here): feature mentions (a rubric feature's ``claim`` regexes,
negated or disclaimed ones marked), numbers tied to the feature they describe, key bindings,
backticked identifiers and data files the prose says the program writes. claim_verify.py judges
each claim against the code; claims.py is the scorer. features.py imports this module for
``required: claimed`` features (a feature that counts only when the prose claims it).
"""

from __future__ import annotations

import keyword
import re

from ..errors import EvalkitError

MAX_CLAIMS = 200

_EMPH = re.compile(r"(\*\*|__|\*(?=\S)|(?<=\S)\*)")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`*\"'(])")  # "... 8 seconds. 1.5x speed ..." is two
_NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)(?![\d.]*\+)\s*(?:-\s*)?"
    r"(?:(?:extra|bonus|more|additional)\s+(?=points?\b))?"  # "50 extra points" is 50 points
    r"(x\b|×(?!\s*\d)|%|seconds?\b|secs?\b|s\b|ms\b|milliseconds?\b|minutes?\b|mins?\b|collisions?\b|hits?\b"
    r"|charges?\b|times\b|lives\b|px\b|pixels?\b|cells?\b|points?\b|frames?\b|fps\b|segments?\b)?", re.I)
_UNIT_KIND = {
    "x": "mult", "×": "mult", "times": "mult", "%": "pct",
    "s": "sec", "sec": "sec", "secs": "sec", "second": "sec", "seconds": "sec",
    "ms": "ms", "millisecond": "ms", "milliseconds": "ms",
    "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "collision": "count", "collisions": "count", "hit": "count", "hits": "count", "charge": "count",
    "charges": "count", "lives": "count",
}
# a number's unit -> the unit class a rubric feature lists in `units` (a duration is never a grid claim)
_UNIT_CLASS = {
    "px": "px", "pixel": "px", "pixels": "px", "cell": "cells", "cells": "cells", "fps": "fps",
    "point": "points", "points": "points", "frame": "frames", "frames": "frames",
    "segment": "segments", "segments": "segments",
}

_KEY_WORDS = {
    "space": "space", "spacebar": "space", "esc": "escape", "escape": "escape", "enter": "enter",
    "return": "enter", "tab": "tab", "backspace": "backspace",
    "up": "up", "down": "down", "left": "left", "right": "right",
}

_PADDLE = re.compile(r"(?i)\bpaddles?\b")
_VERTICAL = re.compile(r"(?i)\b(up\s*(and|/|or|&)\s*down|down\s*(and|/|or|&)\s*up|vertical(ly)?)\b")
_HORIZONTAL = re.compile(r"(?i)\b(left\s*(and|/|or|&)\s*right|right\s*(and|/|or|&)\s*left|horizontal(ly)?)\b")
_ARROW_PAIR = re.compile(r"(?i)\b(left\s*(and|/|or|&)\s*right|up\s*(and|/|or|&)\s*down)\s+arrow")
_KEYTOK = r"(?:[A-Za-z0-9]|space(?:bar)?|esc(?:ape)?|enter|return|tab|backspace)"
_CONTROL_PATTERNS = [
    re.compile(r"\b(?:press(?:ing)?|hit(?:ting)?|tap(?:ping)?|push)\s+(?:the\s+)?([`'\"]?)(" + _KEYTOK + r")\1(?![\w-])", re.I),
    re.compile(r"(?<![\w-])([`'\"]?)(" + _KEYTOK + r")\1\s*(?:key\s*)?(?:to|:|-|–|—|=|→|->|\|)?\s*(?:to\s+)?"
               r"(?:pauses?|resumes?|restarts?|quits?|exits?|toggles?|starts?|resets?|unpauses?|play again|"
               r"start again|try again|new game)\b", re.I),
    re.compile(r"\b(?:the\s+)?([`'\"]?)(" + _KEYTOK + r")\1\s+key\b", re.I),
    re.compile(r"(?<![\w-])([`'\"]?)(" + _KEYTOK + r")\1(?=\s*(?:or|/|,)\s*[`'\"]?" + _KEYTOK + r"[`'\"]?\s*"
               r"(?:key\s*)?(?:to|:|-|–|—|=|→|->)?\s*(?:to\s+)?(?:pauses?|resumes?|restarts?|quits?|exits?|toggles?|"
               r"starts?|resets?|unpauses?|play again)\b)", re.I),
    # a controls list: the item starts with the key, then what it does ("**ESC** - Go back to the menu",
    # "`H`: party hat mode"), whatever the verb
    re.compile(r"^([`'\"]?)(" + _KEYTOK + r")\1\s*(?:key\s*)?(?:-|–|—|:|=|→|->)\s+(?=[A-Za-z(])", re.I),
]
# Space as chat answers write it ("Space to shoot", "Space launches", "Space / Up: flap", "shoot with
# Space", "| Space | Shoot |"); case-sensitive so that the room between pipes is no key, and with a
# key's context so that "Space Invaders" is none
_SP = r"[`'\"]?(?:Space\s*bar|SPACE\s*BAR|Spacebar|SPACEBAR|spacebar|space[ -]bar|space key|Space|SPACE)[`'\"]?"
_SPACE_KEY = [
    re.compile(r"(?<![\w-])" + _SP + r"(?![\w-])(?:\s*(?:/|,|or\b|\(or\b)\s*[`'\"]?[A-Za-z]\w*[`'\"]?\)?)*"
               r"\s*(?:key\s*)?(?:to\s+(?!the\b|a\b|an\b)[a-z]|[:=→|]\s*\w|[-–—]\s+\w|->\s*\w|"
               r"(?:launch|shoot|fire|flap|jump|start|serve|release|drop|boost|rotate|pause|restart|reset|begin|"
               r"quit|exit|toggle|activate|trigger)(?:e?s)?\b)"),
    re.compile(r"(?i:\b(?:with|using|use|press(?:ing)?|hit(?:ting)?|tap(?:ping)?|hold(?:ing)?|push)\s+(?:the\s+)?)"
               + _SP + r"(?![\w-])"),
    re.compile(r"^\|\s*" + _SP + r"\s*(?:key\s*)?\|"),
]
_ARROWS = re.compile(r"\barrow(?:\s+|-)?keys?\b|\barrows\b|[↑↓←→](?:\s*(?:/|,|and)?\s*[↑↓←→]){3}", re.I)
_ONE_ARROW = re.compile(r"\b(up|down|left|right)\s+arrow\b", re.I)
_WASD = re.compile(r"\bWASD\b")

# the sentence says features are left out ("can be added later", "not included in this version")
_DISCLAIMER = re.compile(r"(?i)\b(not (yet )?(included|implemented|part of)|left out|omitted|(can|could|might) (easily )?be added|"
                         r"you (can|could) (easily )?(add|extend|implement)(?!\s+(new\s+)?(tasks?|todos?|items?|entries|notes?)\b)|"  # not a todo app's `add`
                         r"extend (it|this|the game) with|"
                         r"(expand|extend|enhance|improve|build)\w*( up)?( on| upon)? (it|this|the game|the code) (further )?by adding|"
                         r"(for|in) (a )?(later|future) (version|update)|not in this version|isn'?t (included|implemented)|"
                         r"aren'?t (included|implemented)|to keep (the code|it|things) (short|simple)|(?-i:TODO)|"
                         r"I (can|could|'ll|will) (easily )?(add|extend|implement)|if you want (them|it|those)|"
                         r"would (need|have to|require)|not (yet )?(supported|there))\b")
# a negation right before the feature's mention ("you can't die by hitting a wall", "no pause")
_NEGATION = re.compile(r"(?i)\b(no|not|never|can['’]?t|cannot|won['’]?t|doesn['’]?t|don['’]?t|didn['’]?t|isn['’]?t|"
                       r"aren['’]?t|wasn['’]?t|weren['’]?t|hasn['’]?t|haven['’]?t|without)\b[^,;:.]{0,40}$")
_IMPERATIVE = re.compile(r"(?i)^\W*(don['’]?t|do not|never|avoid|try not to)\b")


# where a negation's reach ends: punctuation, a dash, a clause join ("..., so you can't ...")
_NEG_STOP = re.compile(r"(?i)[,;:.|—–]|\s-\s|\b(?:but|so|then|while|whereas|although|though|however)\b|"
                       r"\band\s+(?=(?:you|it|they|we|i|there|the|this|its|your)\b)")
# "Lines that don't match are counted": the relative clause ends at the main clause's verb
_RELATIVE = re.compile(r"(?i)\b(?:that|which|who)\s+(?:(?:do|does|did|is|are|was|were|can|will)\s+)?$")
_MAIN_VERB = re.compile(r"(?i)\b(?:is|are|was|were|gets?|will|becomes?|goes|ends? up)\b")
# "without `--json` you get ...", "with no FILE it reads stdin": what happens when the user leaves
# something out, not what the program lacks
_CONDITIONAL = re.compile(r"(?i)^\W*(?:without|with no|if no|when no)\b[^,;:.]{0,50}?"
                          r"(?:,\s*\w|\b(?:you|it|the (?:program|script|tool|app|server|output|command))\s+\w)")


def _negated_before(s: str, pos: int) -> bool:
    """A negation just before a feature's mention in the same clause, not an instruction ("Don't
    hit the walls!" says the walls kill you), a relative clause before the main verb or a
    conditional ("without X you get Y")."""
    s = re.sub(r"`[^`\n]*`", lambda q: "x" * len(q.group()), s)  # a quoted message's "no task" is no negation
    lo = max([m.end() for m in _NEG_STOP.finditer(s, 0, pos)], default=0)
    m = _NEGATION.search(s, lo, pos)
    if m is None:
        return False
    if _RELATIVE.search(s[lo:m.start()]) and _MAIN_VERB.search(s, m.end(1), pos):
        return False
    if _CONDITIONAL.match(s[lo:]):
        return False
    imp = _IMPERATIVE.match(s)
    return not (imp and imp.end() >= m.start() + 1 and not _NEGATION.search(s[imp.end():pos]))


_BACKTICK = re.compile(r"`([^`\n]{1,80})`")

_BASELINE = re.compile(r"(?i)\b(instead of|rather than|up from|normal(ly)?( speed)?( of| is)?|from)\s*$")

_IDENT = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\))?$")
_IDENT_STOP = {"python", "python3", "pip", "py", "bash", "cd", "ls", "true", "false", "none", "null",
               "self", "main", "sh", "npm", "node"}
_FILE = re.compile(r"(?<![\w./-])([\w-]+(?:\.[\w-]+)*"
                   r"\.(?:txt|json|csv|dat|db|sqlite3?|log|ini|cfg|yaml|yml|pkl|pickle|sav|save|toml|xml))\b", re.I)
_SOURCE_FILE = re.compile(r"\.(py|pyw|js|mjs|ts|tsx|jsx|html?|css|go|java|c|cc|cpp|h|hpp|sh|md|rs|rb)$", re.I)
_WRITE_VERB = re.compile(r"(?i)\b(sav|writ|wrote|stor|persist|record|export|dump|log[sg]?\b|kept|keeps)")


_TABLE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")


def _sentences(prose: str) -> list[tuple[str, list[str] | None]]:
    """(sentence, the header cells of the table it is a row of, or None): a line, a bullet or a
    table row each split into sentences."""
    out = []
    lines = [raw.strip() for raw in prose.split("\n")]
    header = None
    for i, line in enumerate(lines):
        if not line.startswith("|"):
            header = None
        if i + 1 < len(lines) and line.startswith("|") and _TABLE_RULE.fullmatch(lines[i + 1]):
            header = line.split("|")  # the header row: its cells name the columns' units
        if not line or line.startswith("#") or _TABLE_RULE.fullmatch(line):
            continue
        line = re.sub(r"^([-*+]|\d+[.)])\s+", "", line)
        for k, s in enumerate(_SENT_SPLIT.split(line)):
            s = s.strip()
            if s:
                out.append((s[:400], header if k == 0 and line.startswith("|") else None))
    return out


# a table column's unit, named in its header ("Duration (s)", "Multiplier", "Chance")
_HEADER_UNITS = [(re.compile(r"(?i)\b(ms|milliseconds?)\b"), "ms"),
                 (re.compile(r"(?i)((?<![a-z])\(s\)|\bsecs?\b|\bseconds?\b|\bduration\b)"), "seconds"),
                 (re.compile(r"(?i)\b(minutes?|mins?)\b"), "minutes"),
                 (re.compile(r"(?i)(\bmultiplier\b|\bfactor\b|^\s*×?\s*x?\s*$)"), "x"),
                 (re.compile(r"(?i)(%|\bpercent|\bchance\b|\bprobability\b)"), "%"),
                 (re.compile(r"(?i)\b(charges?|hits?|collisions?|lives|uses)\b"), "charges")]


def _header_unit(header: list[str] | None, s: str, pos: int) -> str | None:
    """The unit the table's header gives the column the number at ``pos`` of row ``s`` is in."""
    if not header:
        return None
    col = s[:pos].count("|")
    cell = header[col] if col < len(header) else ""
    if not cell.strip():
        return None
    return next((u for rx, u in _HEADER_UNITS if rx.search(_plain(cell))), None)


def _plain(s: str) -> str:
    return _EMPH.sub("", s)


_OWN_UNITS = {"lives", "life"}  # unit words that are a feature's own name (a count of lives is the lives feature)
_CLAUSE = re.compile(r"[,;]|\b(?:and|but|while|whereas)\b")


def _tie(spans: list[tuple[str, int]], sentence: str, pos: int, terms: list, prev: str | None,
         allowed=None, end: int | None = None) -> str | None:
    """The feature a number belongs to, the nearest mention by position, in order of preference:
    one named earlier in the same clause; one whose code terms appear earlier in the clause
    ("speed (1.5x", "Items only drop when you eat food (40%"); one named later in the same
    clause ("A new 2 or 4 spawns"); one named earlier in the sentence; one named later in it; the
    last one named in the previous sentence, only when this sentence names no feature before the
    number ("The Ice Shield ... When active, it skips 3 collisions"). None: the number is not a claim.
    ``allowed``: the features that can take this number's unit (a duration never belongs to the grid);
    before all of these, a feature named right after the number ("+1 score", "3 collisions with
    the shield" is not: two words at most between them) and, failing every rule, the only feature
    that takes the unit ("10 points" is the score's)."""
    only = next(iter(allowed)) if allowed is not None and len(allowed) == 1 else None
    named_before = any(sp[1] < pos for sp in spans)  # any feature, whatever units it takes
    if allowed is not None:
        spans = [sp for sp in spans if sp[0] in allowed]
        terms = [t for t in terms if t[0] in allowed]
        if prev is not None and prev not in allowed:
            prev = None
    if end is not None:
        # the number's own unit names the feature: "3 lives"
        own = [sp for sp in spans if pos < sp[1] < end and sentence[sp[1]:end].strip().lower() in _OWN_UNITS]
        if own:
            return own[0][0]
        right_after = [sp for sp in spans if sp[1] >= end and re.fullmatch(r"\s*(\w+\s+){0,2}", sentence[end:sp[1]])]
        if right_after:
            return min(right_after, key=lambda sp: sp[1])[0]
    bounds = [0] + [m.end() for m in _CLAUSE.finditer(sentence)] + [len(sentence) + 1]
    lo = max(b for b in bounds if b <= pos)
    hi = min(b for b in bounds if b > pos)
    before_in_clause = [sp for sp in spans if lo <= sp[1] < pos]
    if before_in_clause:
        return max(before_in_clause, key=lambda sp: sp[1])[0]
    head = sentence[lo:pos]
    # a term at the start of a word only: "white" holds the shield's "hit"
    by_terms = [(m.start(), fid) for fid, rx in terms for m in rx.finditer(head)
                if m.start() == 0 or not head[m.start() - 1].isalpha()]
    if by_terms:
        return max(by_terms)[1]
    after_in_clause = [sp for sp in spans if pos <= sp[1] < hi]
    if after_in_clause:
        return min(after_in_clause, key=lambda sp: sp[1])[0]
    before = [sp for sp in spans if sp[1] < pos]
    if before:
        return max(before, key=lambda sp: sp[1])[0]
    after = [sp for sp in spans if sp[1] >= pos]  # "For 5 s after you grab it, the speed boost ..."
    if after:
        return min(after, key=lambda sp: sp[1])[0]
    if prev is not None and not named_before:
        return prev
    return only


def _arrow_keys(sentence: str, context: str = "") -> list[str] | list[list[str]]:
    """The arrows an "arrow keys" claim needs: all four, except for a paddle, which moves along one
    axis (up/down or left/right as the sentence or the task says; either pair when neither does),
    and a pair the sentence names for the arrows themselves ("Left/Right arrow keys move the ship")."""
    named = {"h" if _HORIZONTAL.match(m.group(0)) else "v" for m in _ARROW_PAIR.finditer(sentence)}
    if len(named) == 1:
        return ["left", "right"] if named == {"h"} else ["up", "down"]
    if not (_PADDLE.search(sentence) or (_PADDLE.search(context) and not re.search(r"(?i)\bsnake\b", sentence))):
        return ["up", "down", "left", "right"]
    for text in (sentence, context):
        v, h = _VERTICAL.search(text), _HORIZONTAL.search(text)
        if v and not h:
            return ["up", "down"]
        if h and not v:
            return ["left", "right"]
    return [["up", "down"], ["left", "right"]]


_ACTION_WORD = re.compile(
    r"^\W{0,4}(?:key\s*)?(?:\W{0,3})(?:(?:or|and|/|,)\s*\W?\w{1,6}\W?\s*)*(?:(?:will|to|can|you|button)\s+)*"
    r"(pauses?|unpauses?|resumes?|restarts?|resets?|play(?:s)? again|start(?:s)? (?:again|over|a new game)|new game|"
    r"quits?|exits?|close|starts?)\b", re.I)


def _action(sentence: str, end: int) -> str | None:
    """The action a key claim names right after the key ("P to pause" -> pause)."""
    m = _ACTION_WORD.match(sentence[end:end + 60])
    if not m:
        return None
    w = m.group(1).lower()
    if w.startswith(("pause", "unpause", "resume")):
        return "pause"
    if w.startswith(("restart", "reset", "play", "new game")) or w.startswith("start") and " " in w:
        return "restart"
    if w.startswith(("quit", "exit", "close")):
        return "quit"
    return "start"


def _control_keys(sentence: str, context: str = "") -> list[tuple[str, list, str | None]]:
    """(claim key label, normalised keys it needs -- a list of lists means "any one of these sets" --,
    the action the sentence gives the key or None)."""
    found: list[tuple[str, list, str | None]] = []
    if _ARROWS.search(sentence):
        found.append(("arrow keys", _arrow_keys(sentence, context), None))
    else:
        for m in _ONE_ARROW.finditer(sentence):
            found.append((f"{m.group(1).lower()} arrow", [m.group(1).lower()], None))
    if _WASD.search(sentence):
        found.append(("WASD", ["w", "a", "s", "d"], None))
    for pat in _CONTROL_PATTERNS:
        for m in pat.finditer(sentence):
            quote, tok = m.group(1), m.group(2)
            if len(tok) == 1:
                # a lone letter counts only when it is written like a key: capital or quoted
                if not (quote or tok.isupper() or tok.isdigit()) or (tok in "AI" and not quote):
                    continue
                key = tok.lower()
            else:
                key = _KEY_WORDS.get(tok.lower())
                if key is None:
                    continue
            label = tok.upper() if len(tok) == 1 else key
            if all(f[0] != label for f in found):
                found.append((label, [key], _action(sentence, m.end(2) + len(quote))))
    m = next((m for rx in _SPACE_KEY for m in [rx.search(sentence)] if m), None)
    if m and all(f[0] != "space" for f in found):
        end = re.search(r"(?i)space(?:\s*bar|\s*key)?[`'\"]?", sentence[m.start():]).end() + m.start()
        found.append(("space", ["space"], _action(sentence, end)))
    return found


def _user_rx(pattern) -> re.Pattern:
    """A rubric regex, case-insensitive; a broken one is the rubric author's error to fix."""
    try:
        return re.compile(str(pattern), re.I)
    except re.error as exc:
        raise EvalkitError(f"rubric regex {pattern!r} is invalid ({exc}); fix it in rubrics/") from exc


def _unit_class(unit: str, kind: str | None) -> str | None:
    return kind or _UNIT_CLASS.get(unit)


def _rubric_patterns(rubric: dict):
    """(features with their claim regexes, their claim_absent regexes by id, (id, terms regex) of the
    features that take number claims, rubric ``units`` by id)."""
    features = [f for f in rubric.get("features") or [] if isinstance(f, dict) and f.get("claim")]
    pats = [(f, [_user_rx(p) for p in (f["claim"] if isinstance(f["claim"], list) else [f["claim"]])])
            for f in features]
    terms = []  # only features with `terms` take number claims (numbers in examples are not claims)
    for f, _ in pats:
        t = f.get("terms")
        if t:
            terms.append((f["id"], _user_rx(t[4:] if str(t).startswith("(?i)") else str(t))))
    # rubric `units`: the unit classes a feature's numbers can have (no `units`: any)
    units = {f["id"]: set(f["units"]) for f, _ in pats if isinstance(f.get("units"), list)}
    absent_pats = {f["id"]: [_user_rx(p) for p in (f["claim_absent"] if isinstance(f["claim_absent"], list)
                                                  else [f["claim_absent"]])]
                   for f, _ in pats if f.get("claim_absent")}
    return pats, absent_pats, terms, units


def extract_claims(prose: str, rubric: dict, context: str = "") -> list[dict]:
    """Claims in the prose, in order, deduplicated (one per feature, key, number, name, file).
    ``context``: the task's prompt (it says what the controls move, e.g. a paddle up and down)."""
    pats, absent_pats, terms, units = _rubric_patterns(rubric)
    claims: list[dict] = []
    seen: set = set()
    prev: str | None = None  # the last feature named in the previous sentence

    def add(key, claim):
        if key not in seen and len(claims) < MAX_CLAIMS:
            seen.add(key)
            claims.append(claim)

    for raw, header in _sentences(prose):
        s = _plain(raw)
        spans, negated = _feature_claims(s, raw, pats, absent_pats, add)
        if terms and (spans or prev is not None):
            _number_claims(s, raw, spans, prev, terms, units, negated, add, header)
        prev = max(spans, key=lambda sp: sp[1])[0] if spans else None
        for label, keys, action in _control_keys(s, context):
            claim = {"text": raw, "kind": "control", "key": label, "keys": keys}
            if action:
                claim["action"] = action
            add(("control", label), claim)
        if _WRITE_VERB.search(s):
            for m in _FILE.finditer(raw):
                add(("file", m.group(1).lower()), {"text": raw, "kind": "file", "file": m.group(1)})
        for m in _BACKTICK.finditer(raw):
            tok = m.group(1).strip()
            if _FILE.fullmatch(tok) or _SOURCE_FILE.search(tok) or not _IDENT.match(tok) or len(tok.rstrip("()")) < 2:
                continue
            if tok.lower() in _IDENT_STOP or tok.lower() in _KEY_WORDS or keyword.iskeyword(tok):
                continue
            add(("identifier", tok.rstrip("()")), {"text": raw, "kind": "identifier", "name": tok})
    return claims


# "reads stdin if omitted", "when the file is omitted": what the user leaves out, not the program
_IF_OMITTED = re.compile(r"(?i)\b(?:if|when|unless|whenever)\b[^,;.()|]{0,30}$")


def _disclaims(text: str) -> bool:
    return any(not (m.group(0).lower() == "omitted" and _IF_OMITTED.search(text[:m.start()]))
               for m in _DISCLAIMER.finditer(text))


def _feature_claims(s: str, raw: str, pats, absent_pats: dict, add) -> tuple[list, set]:
    """Feature claims of one sentence: (feature id, position) of every feature it names, and the
    features it says the program does NOT have."""
    spans = []
    # a disclaimer covers its own clause: "It has walls; pause is left out" leaves the walls claimed
    clauses = [(m.start(), m.end()) for m in re.finditer(r"[^;:]+?(?=;|:|,?\s+\bbut\b|,?\s+\bhowever\b|$)", s)]
    # a code span is quoted code: its `# TODO` or `not_implemented()` disclaims nothing
    prose = re.sub(r"`[^`\n]*`", lambda q: "x" * len(q.group()), s)
    disclaimed = [(a, b) for a, b in clauses if _disclaims(prose[a:b])]
    if any(re.search(r"(?i)\b(them|those|these)\b", prose[a:b]) for a, b in disclaimed):
        disclaimed = [(0, len(s))]  # "...; I can add them if you like": back to what the sentence named
    negated: set[str] = set()
    for f, ps in pats:
        hits = [m.start() for p in ps for m in p.finditer(s)]
        absent = any(p.search(s) for p in absent_pats.get(f["id"], []))
        if hits or absent:
            spans += [(f["id"], h) for h in hits]
            neg = absent or any(a <= h < b for h in hits for a, b in disclaimed) or \
                any(_negated_before(s, h) for h in hits)
            claim = {"text": raw, "kind": "feature", "feature": f["id"]}
            if neg:  # the prose says the game does NOT have it
                negated.add(f["id"])
                claim["negated"] = True
            add(("feature", f["id"]), claim)
    return spans, negated


_CODE_SETTING = re.compile(r"""`\s*(?:[A-Za-z_]\w*\.)*["']?([A-Za-z_]\w*)["']?\s*[:=]\s*-?\d+(?:\.\d+)?\s*,?\s*`""")
def _setting_beside(s: str, start: int, end: int) -> str | None:
    """The backticked setting a number is the value of: the nearest one with at most three words
    between them ("| `BOOST_MS` | 5000 |", "(`FIRE_COOLDOWN`, 450 ms)", "`STEP_INTERVAL` ms (600)"),
    not one elsewhere in the sentence ("Every 500 ms ... by `STEP_SIZE` pixels")."""
    best = None
    for q in _BACKTICK.finditer(s):
        name = q.group(1).strip()
        if not _IDENT.match(name) or "(" in name or "." in name:
            continue
        gap = s[q.end():start] if q.end() <= start else s[end:q.start()] if q.start() >= end else None
        if gap is None or re.search(r"\d", gap) or len(re.findall(r"[A-Za-z]+", gap)) > 3:
            continue
        if best is None or len(gap) < best[0]:
            best = (len(gap), name)
    return best[1] if best else None


_SHARE_OF = re.compile(r"(?i)\s+of\s+(the\s+)?(screen|window|display|board|court|field|arena|playfield)")
_CLASSED_UNITS = ("px", "pixel", "pixels", "cell", "cells", "points", "point", "frames", "frame", "fps", "segment",
                  "segments")


def _number_claims(s: str, raw: str, spans: list, prev: str | None, terms: list, units: dict, negated: set,
                   add, header: list[str] | None = None) -> None:
    """Number claims of one sentence, each tied to the feature it describes (``_tie``); a bare
    number in a table row takes its column's unit ("| Speed | 1.5 | 5 |" under "Multiplier | Duration (s)")."""
    with_terms = {fid for fid, _ in terms}
    # a number inside a code span is code quoted, not a quantity the prose claims (`range(3)`,
    # `shield > 0`), except a setting quoted whole (`BOOST_SECONDS = 5`) or a value alone (`1.5`)
    spans_set = {m.start(): m.group(1) for m in _CODE_SETTING.finditer(s)}
    masked = _BACKTICK.sub(lambda q: q.group() if q.start() in spans_set or _NUMBER.fullmatch(q.group(1).strip())
                           else " " * len(q.group()), s)
    for m in _NUMBER.finditer(masked):
        unit = (m.group(2) or "").lower() or (_header_unit(header, s, m.start()) or "")
        kind = _UNIT_KIND.get(unit)
        if unit and kind is None and unit not in _CLASSED_UNITS:
            continue
        cls = _unit_class(unit, kind)
        allowed = None if cls is None else {fid for fid, _ in terms if fid not in units or cls in units[fid]}
        fid = _tie(spans, s, m.start(), terms, prev, allowed, m.end())
        if fid is None or fid not in with_terms or fid in negated:
            continue
        value = float(m.group(1))
        baseline = _BASELINE.search(s[max(0, m.start() - 25):m.start()]) is not None
        quoted = [name for at, name in spans_set.items() if at < m.start() < s.find("`", at + 1)]
        setting = quoted[0] if quoted else _setting_beside(s, m.start(), m.end())
        claims_extra = {"setting": setting} if setting else {}
        if baseline:  # "70 ms instead of 150 ms": 150 is the normal setting, not the feature's
            claims_extra["baseline"] = True
        if kind == "pct" and _SHARE_OF.match(masked, m.end()):  # "50% of the screen": a share of its size
            claims_extra["share_of_screen"] = True
        add(("number", fid, value, kind), {**claims_extra, "text": raw, "kind": "number", "feature": fid,
                                          "value": value, "unit": unit or None, "quantity": kind})
