"""Verdicts for the claims claim_extract.py found: each one checked against the code index.

supported / unsupported / contradicted, with evidence lines (lines within the main code block,
``block`` naming it) and a one-line reason. A feature claim takes the feature's own result
(features.py: static checks and probes); keys, identifiers and files are looked up in the block's
code index (evalkit/treesitter.py); numbers in claim_numbers.py.
"""

from __future__ import annotations

import re

from .. import treesitter
from ..extract import Extraction
from . import claim_runtime
from . import features as feat
from .claim_numbers import number_verdict

_KEY_CODE = {  # normalised key -> (pygame constants, key strings other toolkits use)
    "space": ({"K_SPACE"}, {" ", "Space", "space", "Spacebar"}),
    "escape": ({"K_ESCAPE"}, {"Escape", "Esc", "escape"}),
    "enter": ({"K_RETURN", "K_KP_ENTER"}, {"Enter", "Return", "\\r", "\\n"}),
    "tab": ({"K_TAB"}, {"Tab", "\\t"}),
    "backspace": ({"K_BACKSPACE"}, {"Backspace"}),
    "up": ({"K_UP"}, {"ArrowUp", "Up", "up"}),
    "down": ({"K_DOWN"}, {"ArrowDown", "Down", "down"}),
    "left": ({"K_LEFT"}, {"ArrowLeft", "Left", "left"}),
    "right": ({"K_RIGHT"}, {"ArrowRight", "Right", "right"}),
}
# key names other toolkits use: curses constants, JavaScript keyCode numbers
_CURSES_KEY = {"up": "KEY_UP", "down": "KEY_DOWN", "left": "KEY_LEFT", "right": "KEY_RIGHT",
               "enter": "KEY_ENTER", "backspace": "KEY_BACKSPACE"}
_KEYCODE = {"left": 37, "up": 38, "right": 39, "down": 40, "space": 32, "enter": 13, "escape": 27,
            "tab": 9, "backspace": 8}

_SOFT_KEYWORDS = {"match", "case"}
_DIRECTION_WORDS = {"up", "down", "left", "right"}
_ASSET = re.compile(r"(?i)\.(png|jpe?g|gif|bmp|svg|wav|mp3|ogg|flac|ttf|otf|fnt)$")

_WRITE_CODE = re.compile(r"""(open\([^)]*,\s*["'][wax]b?\+?["']|open\([^)]*mode\s*=\s*["'][wax]|\.write\(|\.dump\("""
                         r"""|write_text\(|write_bytes\(|to_csv\(|writeFileSync|writeFile\(|localStorage\.setItem)""")


def _evidence(idx: treesitter.CodeIndex, lines, block) -> list[dict]:
    return [dict(e, block=block) for e in feat._ev(idx, lines)]


_ACTION_CODE = {  # what the branch handling the key must do (its body, one level of flow deep)
    # pausing sets or toggles a pause (not the `paused = False` of a reset)
    "pause": r"(?i)(paus\w*[\"']?\]?\s*(=\s*(not\b|!|true\b|1\b)|\^=)|(toggle|set)_?paus|\bpause\w*\(|"
             r"state\w*\s*=.*paus)",
    "restart": r"(?i)(reset|restart|new_\w+|init|start|__init__|game_?loop|main\(|=\s*[A-Z]\w*\(|setup|begin|play|"
               r"again|round|score\s*=(\s*\w+\s*=)*\s*0\b|\breturn\b|\bbreak\b|"
               r"\b(snake|body|segments|board|grid|cells|tiles)\w*\s*(,[^=\n]*)?=\s*[\[\(]|\b(dead|over|game_over)\b[^=\n]*=[^\n]*\b(False|false))",
    "quit": r"(?i)(quit|exit|close|destroy|end_game\(\)|running\s*=\s*(False|false)|game_?over\s*=\s*(True|true)|"
            r"\bbreak\b|\breturn\b|endwin)",
    "start": r"(?i)(start|play|state|running|menu|begin|reset|init|paus)",
}


def _key_in(text: str, key: str) -> bool:
    """``text`` (a branch condition) tests this key."""
    consts, strings = _KEY_CODE.get(key, ({f"K_{key}", f"K_{key.upper()}"} if len(key) == 1 else set(), set()))
    if len(key) == 1:
        strings = {key, key.upper(), f"Key{key.upper()}"}
    if key in _CURSES_KEY:
        consts = set(consts) | {_CURSES_KEY[key]}
    if any(re.search(r"\b" + re.escape(c) + r"\b", text) for c in consts):
        return True
    return any(re.search(r"""["'](?:<(?:Key(?:Press)?-)?)?""" + re.escape(s_) + r""">?["']""", text) for s_ in strings if s_.strip())


def _key_name(s: str) -> str:
    """A key string as toolkits write it: tkinter's "<Up>" / "<KeyPress-p>" -> "Up" / "p"."""
    m = re.fullmatch(r"<(?:Key(?:Press|Release)?-)?([^<>]+)>", s)
    return m.group(1) if m else s


def _key_evidence(key: str, idx) -> list[int]:
    consts, strings = _KEY_CODE.get(key, ({f"K_{key}", f"K_{key.upper()}"} if len(key) == 1 else set(), set()))
    consts = set(consts)
    if len(key) == 1:
        strings = {key, key.upper(), f"Key{key.upper()}"}
    if key in _CURSES_KEY:
        consts.add(_CURSES_KEY[key])
    # JavaScript key maps name keys as properties ({ArrowUp: ...}, {KeyP: ...}); a bare "up"/"Up"
    # identifier is a method or a direction, not a key, so only unambiguous names count
    props = {s for s in strings if s.startswith(("Arrow", "Key")) and len(s) > 3}
    lines = [ln for name, ln in idx.idents if name in consts or name in props]
    # "up"/"Left" are also direction names (`self.direction = "up"`): as keys only where keys are read
    keyish = {ln + d for ln in idx.lines_matching(r"(?i)(key|bind|event|press|sym|code|input)") for d in (-2, -1, 0, 1, 2)}
    lines += [ln for s, ln in idx.strings if (s in strings or _key_name(s) in strings)
              and (s.lower() not in _DIRECTION_WORDS or s.startswith("<") or ln in keyish)]
    code = _KEYCODE.get(key) if len(key) > 1 else (ord(key.upper()) if key.isalnum() else None)
    if code is not None and ("keyCode" in idx.ident_names or "which" in idx.ident_names):
        kc_lines = idx.lines_matching(r"keyCode|\.which\b|^\s*case\b|:\s*\[|^\s*\d+\s*:")
        lines += [ln for v, ln in idx.numbers if v == code and ln in kc_lines]
    return lines


def verdict(claim: dict, ex: Extraction, idx, block, fres: dict, rubric_by_id: dict, run=None) -> dict:
    """{verdict, evidence, reason} for one claim; ``idx`` is the main block's code index, ``fres``
    the feature results by id (features.feature_results), ``run`` (the run's crash, the scripted
    keys) or None when the main program did not fail."""
    kind = claim["kind"]
    if ex.main is None:
        return {"verdict": "unsupported", "evidence": [], "reason": "the response has no code"}
    if kind == "feature":
        return _feature_verdict(claim, idx, block, fres)
    if kind == "number":
        return number_verdict(claim, ex, idx, block, fres, rubric_by_id)
    if kind == "control":
        return _control_verdict(claim, idx, block, fres, run)
    if kind == "identifier":
        return _identifier_verdict(claim, ex, idx, block)
    if kind == "file":
        return _file_verdict(claim, idx, block)
    return {"verdict": "unsupported", "evidence": [], "reason": "unknown claim kind"}


def _feature_verdict(claim: dict, idx, block, fres: dict) -> dict:
    r = fres.get(claim["feature"])
    if r is None:
        return {"verdict": "unsupported", "evidence": [], "reason": "feature not in the rubric"}
    name = r.get("name", claim["feature"])
    if claim.get("negated"):  # "the game has no X": true when the code has no X
        if r.get("found"):
            lines = [e["line"] for e in r.get("evidence", [])]
            return {"verdict": "contradicted", "evidence": _evidence(idx, lines, block),
                    "reason": f"the prose says the game leaves out \"{name}\", but the code has it"}
        lines = [e["line"] for e in r.get("contra_evidence", [])]
        return {"verdict": "supported", "evidence": _evidence(idx, lines, block),
                "reason": f"the prose says the game leaves out \"{name}\", and the code has no evidence of it"}
    if r.get("contradicted"):
        lines = [e["line"] for e in r.get("contra_evidence", [])]
        return {"verdict": "contradicted", "evidence": _evidence(idx, lines, block),
                "reason": r.get("reason", "")}
    if r.get("found"):
        lines = [e["line"] for e in r.get("evidence", [])]
        why = f"probe {r['probe']} passed" if r.get("source") == "probe" else \
            f"the code does it (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, sorted(set(lines))))})"
        return {"verdict": "supported", "evidence": _evidence(idx, lines, block),
                "reason": why}
    return {"verdict": "unsupported", "evidence": [], "reason": f"no evidence of \"{name}\" in the code"}


def _control_verdict(claim: dict, idx, block, fres: dict, run=None) -> dict:
    options = claim["keys"] if claim["keys"] and isinstance(claim["keys"][0], list) else [claim["keys"]]
    best = None
    for keys in options:  # a paddle moves on one axis: either pair of arrows will do
        lines, missing = [], []
        for k in keys:
            got = _key_evidence(k, idx)
            (lines.extend(got) if got else missing.append(k))
        if best is None or len(missing) < len(best[1]):
            best = (lines, missing)
    lines, missing = best
    if not missing and len(claim["keys"]) == 1 and getattr(idx, "hangs", None):
        frozen = _frozen_key(claim, idx, block)
        if frozen is not None:
            return frozen
    if not missing and run is not None:  # the key's first press crashed or hung the run
        for k in (claim["keys"] if not isinstance(claim["keys"][0], list) else []):
            broke = claim_runtime.key_crash(run[0], run[1], k, idx, _key_in)
            if broke is not None:
                return {"verdict": "contradicted", "evidence": _evidence(idx, lines[:2] + broke[0], block),
                        "reason": f"the code handles {claim['key']}, but {broke[1]}"}
    act = claim.get("action")
    feature = fres.get(act) if act else None
    if not missing and feature is not None and feature.get("contradicted"):
        # "P to pause" when pausing is broken: the key is there, what it should do is not
        return {"verdict": "contradicted",
                "evidence": _evidence(idx, lines + [e["line"] for e in feature.get("contra_evidence", [])], block),
                "reason": f"the code handles {claim['key']}, but {feature.get('reason', '')}"}
    if not missing and act and len(claim["keys"]) == 1:
        # "P to pause": some branch testing P must pause; one that only does something else refutes it
        key = claim["keys"][0]
        brs = [br for br in idx.branches if _key_in(br.cond, key)]
        if brs and not any(re.search(_ACTION_CODE[act], br.flow_body) for br in brs):
            return {"verdict": "unsupported", "evidence": _evidence(idx, [br.line for br in brs], block),
                    "reason": f"the code handles {claim['key']}, but not to {act}"}
    if not missing and feature is not None and not feature.get("found") and _live_key_branch(claim, idx):
        # "P to pause" where nothing pauses (P only draws "PAUSED"): the key's handler runs, its action
        # is not there (a handler in a function nothing calls is the key's problem, judged above)
        return {"verdict": "unsupported", "evidence": _evidence(idx, lines, block),
                "reason": f"the code handles {claim['key']}, but no evidence of \"{feature.get('name', act)}\" "
                          f"in the code"}
    if missing:
        return {"verdict": "unsupported", "evidence": _evidence(idx, lines, block),
                "reason": f"no key handling for {', '.join(missing)}"}
    return {"verdict": "supported", "evidence": _evidence(idx, lines, block),
            "reason": "the code handles " + (claim["key"] if len(claim["key"]) > 1 else f"the {claim['key']} key")}


def _live_key_branch(claim: dict, idx) -> bool:
    """A branch testing the claim's one key sits in code a complete program runs."""
    if len(claim["keys"]) != 1 or isinstance(claim["keys"][0], list):
        return False
    if not idx.complete:  # a fragment: the feature's other half may be in the part not shown
        return False
    key = claim["keys"][0]
    return any(_key_in(br.cond, key) and idx.in_unused(br.line) is None for br in idx.branches) or \
        any(_BINDS_KEY.search(fn) and _key_in(text, key) and idx.in_unused(ln) is None and _names_own_handler(text, idx)
            for fn, text, ln in idx.calls)


# a key handed to a handler without a branch: tkinter `root.bind("<p>", self.toggle_pause)`, turtle
# `onkey(toggle, "p")`; the handler must be the program's own (a snippet's `game.toggle_pause()` is not shown)
_BINDS_KEY = re.compile(r"(^|\.)(bind|bind_all|onkey|onkeypress|onkeyrelease|addEventListener)$")


def _names_own_handler(call_text: str, idx) -> bool:
    return any(w in idx.defs for w in re.findall(r"[A-Za-z_]\w*", call_text.split("(", 1)[-1]))


def _frozen_key(claim: dict, idx, block) -> dict | None:
    """The key sets a flag the game waits for in a loop that never reads keys: never seen."""
    for br in (b for b in idx.branches if _key_in(b.cond, claim["keys"][0])):
        for hfirst, _hl, cond, names in idx.hangs:
            if any(re.search(r"(?<![\w.$])" + re.escape(n) + r"\s*=(?!=)", br.body) for n in names):
                return {"verdict": "contradicted", "evidence": _evidence(idx, [br.line, hfirst], block),
                        "reason": f"{claim['key']} sets what the loop on line {hfirst} (`while {cond}`) waits "
                                  f"for, but that loop never reads keys: the game freezes"}
    return None


def _blocks_main_first(ex: Extraction):
    return [(ex.main_index, ex.main)] + [(i, b) for i, b in enumerate(ex.blocks) if i != ex.main_index]


def _identifier_verdict(claim: dict, ex: Extraction, idx, block) -> dict:
    if _ASSET.search(claim["name"]):
        low = claim["name"].lower()
        for bi, b in _blocks_main_first(ex):
            bidx = treesitter.index(b.language, b.code)
            lines = [ln for s_, ln in bidx.strings if low in s_.lower()]
            if lines:
                return {"verdict": "supported", "evidence": _evidence(bidx, lines, bi), "reason": "the code names this file"}
        return {"verdict": "unsupported", "evidence": [], "reason": "no string in the code names this file"}
    if claim["name"].rstrip("()") in _SOFT_KEYWORDS:  # Python 3.10 `match` statements
        stmt = re.compile(r"^\s*" + claim["name"].rstrip("()") + r"\s+\S.*:\s*$")
        lines = [i + 1 for i, t in enumerate(idx.lines) if stmt.match(t)] if idx is not None else []
        if lines:
            return {"verdict": "supported", "evidence": _evidence(idx, lines, block), "reason": "used in the code"}
    parts = [p for p in claim["name"].rstrip("()").split(".") if p != "self"]
    for bi, b in _blocks_main_first(ex):
        bidx = treesitter.index(b.language, b.code)
        if parts and all(p in bidx.ident_names or p in bidx.string_values for p in parts):
            last = parts[-1]
            lines = [bidx.defs[last][1]] if last in bidx.defs else [ln for n, ln in bidx.idents if n == last][:1]
            return {"verdict": "supported", "evidence": _evidence(bidx, lines, bi),
                    "reason": "defined in the code" if last in bidx.defs else "used in the code"}
    return {"verdict": "unsupported", "evidence": [], "reason": "the name does not occur in the code"}


def _file_verdict(claim: dict, idx, block) -> dict:
    name = claim["file"]
    lines = [ln for s, ln in idx.strings if name.lower() in s.lower()]
    # the write must name the file: its literal, or a variable holding it (HIGHSCORE_FILE)
    aliases = {lt.strip() for lt, rt, _ in idx.assigns if name.lower() in rt.lower()}
    refs = [name.lower()] + [a.lower() for a in aliases if re.fullmatch(r"[\w.]+", a)]
    writes = [i + 1 for i, t in enumerate(idx.lines)
              if _WRITE_CODE.search(t) and any(re.search(r"(?<![\w.])" + re.escape(r) + r"(?!\w)", t.lower()) for r in refs)]
    if lines and writes:
        return {"verdict": "supported", "evidence": _evidence(idx, lines + writes, block), "reason": "named and written"}
    if lines:
        return {"verdict": "unsupported", "evidence": _evidence(idx, lines, block),
                "reason": "the file is named but never written"}
    return {"verdict": "unsupported", "evidence": [], "reason": "the file name does not occur in the code"}
