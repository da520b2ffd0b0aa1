"""Key claims in the prose of a response: the keys a sentence says do something, and what.

Part of claim_extract.py's extraction (no code is read here): "P to pause", "Space launches", the
arrow keys (a paddle's two, the sentence's or the task's axis), WASD, a controls table's first column
("| U | Undo the last move |"), "undo (U)", "U undoes ...".
"""

from __future__ import annotations

import re

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
# arrow glyphs, the emoji ones too ("⬆️", with its variation selector)
_ARROWS = re.compile(r"\barrow(?:\s+|-)?keys?\b|\barrows\b|[↑↓←→⬆⬇⬅➡]\ufe0f?(?:\s*(?:/|,|and)?\s*[↑↓←→⬆⬇⬅➡]\ufe0f?){3}",
                     re.I)
_ONE_ARROW = re.compile(r"\b(up|down|left|right)\s+arrow\b", re.I)
_WASD = re.compile(r"\bWASD\b")


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


_KEY_HEADER = re.compile(r"(?i)\b(keys?|controls?|inputs?|buttons?|shortcuts?|press)\b")
_GLYPH = {"←": "left", "→": "right", "↑": "up", "↓": "down", "⬅": "left", "➡": "right", "⬆": "up", "⬇": "down"}
_KEY_SEP = re.compile(r"\s*(?:/|,|\+|\bor\b|\band\b)\s*|\s+")
# "undo (U)": an action named, then its key in brackets; "U undoes the move": a key, then its verb
_KEY_AFTER = re.compile(r"\b[a-z]{3,}(?:ing)?\s+\(([`'\"]?)([A-Z])\1\)")
# (the verbs of a key, not of an item's effect: "**S** doubles your speed" names an item's symbol)
_KEY_VERB = re.compile(r"(?:^|[,;:]\s*|\b(?:and|so|then)\s+)([`'\"]?)([A-Z])\1\s+(?:undoes|redoes|toggles|mutes|"
                       r"unmutes|opens|closes|shows|hides|saves|loads|restores|rotates|fires|shoots|jumps|flaps|"
                       r"launches|serves|steers|cycles)\b")


def _more_keys(sentence: str, header: list[str] | None) -> list[tuple[str, list, int]]:
    """(label, keys, end of the key) of keys the patterns above miss: the first cell of a controls
    table's row (its header names keys: "| Key | Action |"), whatever the action ("| U | Undo |",
    "| ← / → or A / D | Move |"); "undo (U)"; "U undoes ...". A lone "A" or "I" is a word, not a key."""
    out = []
    if header and len(header) > 2 and _KEY_HEADER.search(re.sub(r"[*_`]", "", header[1])) and sentence.startswith("|"):
        cell = sentence.split("|")[1]
        toks = [t.strip("`'\"\ufe0f") for t in _KEY_SEP.split(cell.strip()) if t.strip("`'\"\ufe0f")]
        keys, arrows = [], []
        for t in toks:
            if t in _GLYPH:
                arrows.append(_GLYPH[t])
            elif len(t) == 1 and t.isalnum():
                keys.append((t.upper(), [t.lower()]))
            elif t.lower() in _KEY_WORDS and t.lower() not in ("up", "down", "left", "right"):
                keys.append((_KEY_WORDS[t.lower()], [_KEY_WORDS[t.lower()]]))
            else:
                keys, arrows = [], []  # "Any key (on game over)", "Arrow keys": not a list of keys
                break
        if arrows:  # "← / →": the arrow keys, those two
            keys.insert(0, ("arrow keys", arrows))
        out += [(label, key, len(cell) + 1) for label, key in keys]
    for rx in (_KEY_AFTER, _KEY_VERB):
        for m in rx.finditer(sentence):
            if m.group(2) not in "AI":
                out.append((m.group(2), [m.group(2).lower()], m.end(2) + len(m.group(1))))
    return out


def _control_keys(sentence: str, context: str = "", header: list[str] | None = None) -> list[tuple[str, list, str | None]]:
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
    for label, keys, end in _more_keys(sentence, header):
        if all(f[0] != label for f in found):
            found.append((label, keys, _action(sentence, end)))
    m = next((m for rx in _SPACE_KEY for m in [rx.search(sentence)] if m), None)
    if m and all(f[0] != "space" for f in found):
        end = re.search(r"(?i)space(?:\s*bar|\s*key)?[`'\"]?", sentence[m.start():]).end() + m.start()
        found.append(("space", ["space"], _action(sentence, end)))
    return found
