"""Claims in the prose of a response: what it says about the code, found with regexes.

Extraction only (no code is read here; key claims: claim_keys.py): feature mentions (a rubric feature's ``claim`` regexes,
negated or disclaimed ones marked), numbers tied to the feature they describe, key bindings,
backticked identifiers and data files the prose says the program writes. claim_verify.py judges
each claim against the code; claims.py is the scorer. features.py imports this module for
``required: claimed`` features (a feature that counts only when the prose claims it).
"""

from __future__ import annotations

import keyword
import re

from ..errors import EvalkitError
from .claim_keys import _KEY_WORDS, _control_keys

MAX_CLAIMS = 200

_EMPH = re.compile(r"(\*\*|__|\*(?=\S)|(?<=\S)\*)")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`*\"'(])")  # "... 8 seconds. 1.5x speed ..." is two
_NUMBER = re.compile(
    r"(?:(?<![\w.])|(?<=\d[x×]))(\d+(?:\.\d+)?)(?![\d.]*\+)\s*(?:-\s*)?"  # "600x400": both
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
# a word as prose writes it (lower case or Capitalised, letters only): code-like names have _ . (),
# digits, inner capitals (camelCase) or are all capitals
_PLAIN_WORD = re.compile(r"^[A-Za-z][a-z]+$")
_CODE_NOUN = re.compile(r"(?i)\s+(?:flag|variable|function|method|class|attribute|field|constant|module|parameter|"
                        r"argument|dict(?:ionary)?|list|object|instance|property|setting|key|loop|call)s?\b")
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
    by_terms = _by_terms(sentence, lo, pos, terms)
    if by_terms:
        return by_terms
    after_in_clause = [sp for sp in spans if pos <= sp[1] < hi]
    if after_in_clause:
        return min(after_in_clause, key=lambda sp: sp[1])[0]
    before = [sp for sp in spans if sp[1] < pos]
    if before:
        return max(before, key=lambda sp: sp[1])[0]
    after = [sp for sp in spans if sp[1] >= pos]  # "For 5 s after you grab it, the speed boost ..."
    if after:
        return min(after, key=lambda sp: sp[1])[0]
    # "Items spawn every 6 s and expire after 7 s": the sentence's subject names the feature's code
    # terms, for a number whose unit narrows the features it can belong to ("If you hit a wall, a new
    # game starts after 3 s": "hit" is no subject; a bare number that far from them is no claim)
    subject = _SUBJECT.match(sentence)
    by_terms = _by_terms(sentence, subject.start(1), subject.end(1), terms) \
        if allowed is not None and subject and subject.end(1) <= pos else None
    if by_terms:
        return by_terms
    if prev is not None and not named_before:
        return prev
    return only


_SUBJECT = re.compile(r"(?i)^\W*(?:(?:the|a|an|each|every|all|any|your|its)\s+)?([\w-]+)")


def _by_terms(sentence: str, lo: int, pos: int, terms: list) -> str | None:
    """The feature whose code terms occur last in ``sentence[lo:pos]``, a term at the start of a word
    only ("white" holds the shield's "hit")."""
    head = sentence[lo:pos]
    found = [(m.start(), fid) for fid, rx in terms for m in rx.finditer(head)
             if m.start() == 0 or not head[m.start() - 1].isalpha()]
    return max(found)[1] if found else None




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

    weak: dict = {}  # feature -> index of its claim when a bare negation word made it an absence claim

    def add(key, claim):
        if claim.pop("_weak", False) and key not in seen:
            weak[key] = len(claims)
        elif key in weak and not claim.get("negated"):
            # a negation word read before a mention is a guess; the same answer naming the feature
            # plainly elsewhere wins (a disclaimer or a "wraps around" stays first-come)
            claims[weak.pop(key)] = claim
            return
        if key not in seen and len(claims) < MAX_CLAIMS:
            seen.add(key)
            claims.append(claim)

    for raw, header in _sentences(prose):
        s = _plain(raw)
        spans, negated = _feature_claims(s, raw, pats, absent_pats, add)
        if terms and (spans or prev is not None):
            _number_claims(s, raw, spans, prev, terms, units, negated, add, header)
        prev = max(spans, key=lambda sp: sp[1])[0] if spans else None
        for label, keys, action in _control_keys(s, context, header):
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
            claim = {"text": raw, "kind": "identifier", "name": tok}
            if _PLAIN_WORD.match(tok) and not _CODE_NOUN.match(raw, m.end()):
                # `The` and `the`: a claim only if the code has the name (a `paused` flag is one)
                claim["plain_word"] = True
            add(("identifier", tok.rstrip("()")), claim)
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
    variants = _variants(s)
    found = [(f, ps, sorted({idx[m.start()] for text, idx in variants for p in ps for m in p.finditer(text)}))
             for f, ps in pats]
    for f, ps, hits in found:
        aps = absent_pats.get(f["id"], [])
        absent = any(p.search(s) for p in aps) and not _only_with_other(s, f, found, aps)
        if hits or absent:
            spans += [(f["id"], h) for h in hits]
            strong = absent or any(a <= h < b for h in hits for a, b in disclaimed)
            weak = any(_negated_before(s, h) and not _means_negated(s, h, ps) for h in hits)
            claim = {"text": raw, "kind": "feature", "feature": f["id"]}
            if strong or weak:  # the prose says the game does NOT have it
                negated.add(f["id"])
                claim["negated"] = True
                if not strong:
                    claim["_weak"] = True
            add(("feature", f["id"]), claim)
    return spans, negated


_WITH = re.compile(r"(?i)\b(?:with|while|when|whenever|if|during|as long as)\s+")
_CLAUSE_JOIN = re.compile(r"(?i)[,;:.]|\b(?:and|but|so)\b")


def _only_with_other(s: str, f: dict, found: list, absent_pats: list) -> bool:
    """The absence holds only under another feature named in its clause ("Hitting a wall with the
    shield makes the snake come out on the other side": without the shield a wall still ends the round)."""
    others = [h for g, _, hits in found if g["id"] != f["id"] for h in hits]
    conds = [m.start() for m in _WITH.finditer(s)
             if any(h >= m.end() and re.fullmatch(r"(?:\w+\s+){0,2}", s[m.end():h]) for h in others)]
    return any(not _CLAUSE_JOIN.search(s, min(c, a.start()), max(c, a.start()))
               for c in conds for p in absent_pats for a in p.finditer(s))


# "you can't die by pressing the opposite direction", "you can't pause when the game is over": the
# negation is about the means or the moment, which the clause after the feature's mention names
_MEANS = re.compile(r"(?i)\b(?:by|when|whenever|while|if)\b")
_MEANS_END = re.compile(r"[,;:.|—–]|\s-\s|\b(?:but|so|then|and)\b")


def _means_negated(s: str, pos: int, ps: list) -> bool:
    """The negation before the mention at ``pos`` bears on a "by/when ..." clause after it that does
    not name the feature itself ("can't die by hitting a wall" names the wall: still an absence)."""
    m = _MEANS.search(s, pos)
    if m is None or _MEANS_END.search(s, pos, m.start()):
        return False
    stop = _MEANS_END.search(s, m.end())
    tail = s[m.end():stop.start() if stop else len(s)]
    return not any(p.search(tail) for p in ps)


_TABLE_CELL = re.compile(r"\s*\|\s*")
# a colour before an item's name in a list label: "Yellow – Speed: ..." is the speed item
_COLOUR_LABEL = re.compile(r"(?i)^\W*(?:red|green|blue|yellow|orange|purple|pink|cyan|magenta|white|black|gold(?:en)?|"
                           r"silver|grey|gray|brown|violet|teal|lime)\s*[-–—/:]\s*(?=\w)")


# a grid step named by another word: "one block at a time", "a square at a time" is one cell
_STEP_UNIT = re.compile(r"(?i)(?<=\bone )(?:block|square|tile)\b|\b(?:block|square|tile)(?=s? at a time\b)")


def _sub_mapped(t: str, ix: list[int], rx: re.Pattern, repl: str) -> tuple[str, list[int]]:
    """``rx`` replaced by ``repl`` in ``t``, the positions in ``ix`` kept (a replacement takes its match's first)."""
    out, oix, last = "", [], 0
    for m in rx.finditer(t):
        out += t[last:m.start()] + repl
        oix += ix[last:m.start()] + [ix[m.start()]] * len(repl)
        last = m.end()
    return out + t[last:], oix + ix[last:len(t)]


def _variants(s: str) -> list[tuple[str, list[int]]]:
    """The sentence as the feature regexes read it, each with the position in ``s`` of each of its
    characters: as written, without backticks, a table row's cells joined ("| `GET` | `/todos` |"
    is "GET /todos") and each cell as a label of the rest ("| Speed | 5 seconds |": "Speed – 5 seconds"),
    a colour label dropped ("Yellow – Speed: ..."), spaced slashes closed ("A / D" is "A/D")."""
    out = [(s, list(range(len(s) + 1)))]
    text, idx = [], []
    for i, ch in enumerate(s):
        if ch != "`":
            text.append(ch)
            idx.append(i)
    plain = "".join(text)
    cells = []  # (start, end) in plain of each table cell
    if plain.lstrip().startswith("|"):
        cuts = [m for m in _TABLE_CELL.finditer(plain)]
        cells = [(a.end(), b.start()) for a, b in zip(cuts, cuts[1:]) if b.start() > a.end()]
    pieces = [[(a, b) for a, b in cells]] if cells else [[(0, len(plain))]]
    pieces += [[(a, b) for a, b in cells[k:]] for k in range(len(cells)) if len(cells) > 1]
    for n, row in enumerate(pieces):
        t, ix = "", []
        for j, (a, b) in enumerate(row):
            sep = " – " if (n > 0 and j == 1) else " " if j else ""
            t += sep + plain[a:b]
            ix += [idx[a]] * len(sep) + idx[a:b]
        m = _COLOUR_LABEL.match(t)
        if m:
            t, ix = t[m.end():], ix[m.end():]
        t, ix = _sub_mapped(t, ix, _STEP_UNIT, "cell")
        t2, ix2 = "", []
        for k, ch in enumerate(t):  # "A / D" -> "A/D"
            if ch == " " and (t[k + 1:k + 3] == "/ " or k > 1 and t[k - 2:k] == " /"):
                continue
            t2 += ch
            ix2.append(ix[k])
        if t2 != s:
            out.append((t2, ix2 + [ix2[-1] + 1 if ix2 else 0]))
    return out


_CODE_SETTING = re.compile(r"""`\s*(?:[A-Za-z_]\w*\.)*["']?([A-Za-z_]\w*)["']?\s*[:=]\s*-?\d+(?:\.\d+)?\s*,?\s*`""")
def _setting_beside(s: str, start: int, end: int) -> str | None:
    """The backticked setting a number is the value of: the nearest one with at most three words
    between them ("| `BOOST_MS` | 5000 |", "(`FIRE_COOLDOWN`, 450 ms)", "`STEP_INTERVAL` ms (600)"),
    not one elsewhere in the sentence ("Every 500 ms ... by `STEP_SIZE` pixels")."""
    best = None
    for q in _BACKTICK.finditer(s):
        name = q.group(1).strip()
        if not _IDENT.match(name) or "(" in name or "." in name or len(name) < 2:  # `S`: a key, not a setting
            continue
        gap = s[q.end():start] if q.end() <= start else s[end:q.start()] if q.start() >= end else None
        if gap is None or re.search(r"\d", gap) or len(re.findall(r"[A-Za-z]+", gap)) > 3:
            continue
        if best is None or len(gap) < best[0]:
            best = (len(gap), name)
    return best[1] if best else None


_NAME_NUMBER = re.compile(r"(?i)\b(?:player|level|stage|wave|team|round|chapter|step|part|version|option|case)\s*#?\s*$")
_CARDINALS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
# number words in the forms answers use for a feature's quantity: "twice as wide", "doubles the speed",
# "halves the interval", "two extra balls" (a cardinal only before what it counts)
_WORD_NUMBER = re.compile(
    r"(?i)\b(twice|doubl(?:es|ed|ing|e)(?=\s+(?:the|your|its|their|speed|width|size)\b)|"  # not "double points"
    r"halv(?:es|ed|ing)|half(?=\s+(?:as\b|speed\b|the\s+(?:speed|size|width|height)\b)))\b|"
    r"\b(two|three|four|five|six|seven|eight|nine|ten)\b(?=\s+(?:(?:extra|more|additional|bonus|new)\s+)?"
    r"(?:balls?|lives|charges?|hits?|collisions?|points?|seconds?|segments?|cells?|shots?|bullets?|tiles?|bombs?)\b)")


def _number_words(text: str) -> str:
    """``text`` with number words written as numbers of the same length (positions unchanged)."""
    def sub(m):
        w = m.group(0)
        if m.group(2):
            num = str(_CARDINALS[w.lower()])
        else:
            num = "0.5x" if w.lower().startswith("hal") else "2x"
        return num + " " * (len(w) - len(num)) if len(num) <= len(w) else w
    return _WORD_NUMBER.sub(sub, text)


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
    written = masked
    masked = _number_words(masked)
    for m in _NUMBER.finditer(masked):
        if _NAME_NUMBER.search(masked, 0, m.start()):  # "Player 1", "Level 3": a name, not a quantity
            continue
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
        if not written[m.start()].isdigit():  # "twice as fast": often a ratio of two settings
            claims_extra["word_number"] = True
        if kind == "pct" and _SHARE_OF.match(masked, m.end()):  # "50% of the screen": a share of its size
            claims_extra["share_of_screen"] = True
        add(("number", fid, value, kind), {**claims_extra, "text": raw, "kind": "number", "feature": fid,
                                          "value": value, "unit": unit or None, "quantity": kind})
