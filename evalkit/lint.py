"""pyflakes' findings on Python blocks, from ruff (its pyflakes rules, F), many blocks per call.

The quality metric's lint part was defined on pyflakes; ruff implements the same checks (rules
F401 ... F901 are pyflakes' messages) in Rust and reads many files per process, so a batch of
responses costs one ruff run (``prepare``) instead of one pyflakes pass each (pyflakes was the
largest cost of static scoring). Each finding keeps pyflakes' kind and message wording, so scores
and reports read as before; a block scored alone is linted alone (same findings either way).

Mapped to pyflakes: F821/F822/F823 undefined names, F401 unused imports, F841 unused variables,
F403 ``import *`` (F405, a name that may come from it, is left out as pyflakes' ImportStarUsage
was), PLW0602 an unused ``global`` (pyflakes' UnusedIndirectAssignment); the other F rules keep
pyflakes' message class as their kind. ``# noqa`` comments in a response are not honoured
(pyflakes never read them). Known differences from pyflakes 3/4, none of them in the corpora the
tests score (tools/static_equality.py): a dict key repeated with different values is one finding
per repeat (pyflakes also flagged the first occurrence); "local variable 'x' referenced before
assignment" does not name the enclosing definition's line; an unused ``nonlocal`` is not reported.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import OrderedDict
from typing import Iterable

from .errors import EvalkitError

SELECT = "F,PLW0602"
_CACHE: "OrderedDict[str, list[dict]]" = OrderedDict()
_CACHE_SIZE = 4096

# ruff code -> pyflakes message class (the finding's kind when it is not one of the named kinds)
_PYFLAKES = {
    "F402": "ImportShadowedByLoopVar", "F404": "LateFutureImport", "F406": "ImportStarNotPermitted",
    "F501": "PercentFormatInvalidFormat", "F502": "PercentFormatExpectedMapping",
    "F503": "PercentFormatExpectedSequence", "F504": "PercentFormatExtraNamedArguments",
    "F505": "PercentFormatMissingArgument", "F506": "PercentFormatMixedPositionalAndNamed",
    "F507": "PercentFormatPositionalCountMismatch", "F508": "PercentFormatStarRequiresSequence",
    "F509": "PercentFormatUnsupportedFormatCharacter", "F521": "StringDotFormatInvalidFormat",
    "F522": "StringDotFormatExtraNamedArguments", "F523": "StringDotFormatExtraPositionalArguments",
    "F524": "StringDotFormatMissingArgument", "F525": "StringDotFormatMixingAutomatic",
    "F541": "FStringMissingPlaceholders", "F601": "MultiValueRepeatedKeyLiteral",
    "F602": "MultiValueRepeatedKeyVariable", "F631": "AssertTuple", "F632": "IsLiteral",
    "F633": "InvalidPrintSyntax", "F634": "IfTuple", "F811": "RedefinedWhileUnused",
    "F842": "UnusedAnnotation", "F901": "RaiseNotImplemented",
}
# pyflakes' own wording where ruff's says it differently
_MESSAGES = {
    "F541": "f-string is missing placeholders",
    "F631": "assertion is always true, perhaps remove parentheses?",
    "F632": "use ==/!= to compare constant literals (str, bytes, int, float, tuple)",
    "F634": "'if tuple literal' is always true, perhaps remove accidental comma?",
}
_W_UNDEFINED, _W_UNUSED, _W_OTHER = 3.0, 0.5, 0.25


@functools.lru_cache(maxsize=1)
def _ruff() -> str:
    try:
        from ruff.__main__ import find_ruff_bin

        return os.fsdecode(find_ruff_bin())
    except (ImportError, FileNotFoundError) as exc:
        raise EvalkitError("the quality metric needs ruff, which is not installed: pip install ruff "
                           "(or reinstall evalkit)") from exc


def _command() -> list[str]:
    # --isolated: no configuration file from wherever the run happens; --ignore-noqa: a
    # response's `# noqa` must not hide its own findings
    return [_ruff(), "check", "--isolated", "--no-cache", "--ignore-noqa", "--exit-zero", "--select", SELECT,
            "--target-version", f"py3{sys.version_info.minor}", "--output-format", "json"]


def _pyflakes_message(code: str, message: str) -> str:
    if code in _MESSAGES:
        return _MESSAGES[code]
    if code == "PLW0602":
        m = re.search(r"`([^`]+)`", message)
        return f"`global {m.group(1) if m else '?'}` is unused: name is never assigned in scope"
    message = re.sub(r"; consider .*$", "", message)  # F401's fix hint
    message = re.sub(r": `[^`]*` redefined here$", "", message)  # F811's second location
    if code == "F601":
        message = re.sub(r"^Dictionary key literal `(.*)` repeated$", r"dictionary key \1 repeated with different values",
                         message)
    elif code == "F602":
        message = re.sub(r"^Dictionary key `(.*)` repeated$", r"dictionary key variable \1 repeated with different values",
                         message)
    message = message.replace("`%`-format string", "'...' % ...").replace("`.format` call", "'...'.format(...)")
    message = message.replace("`__all__`", "__all__").replace("`", "'")
    return message[:1].lower() + message[1:] if message[:1].isupper() and message[1:2].islower() else message


def _finding(diag: dict) -> dict | None:
    code = diag.get("code")
    if not code or code == "F405":  # a syntax error (compile() decides those) or ImportStarUsage
        return None
    if code in ("F821", "F822", "F823"):
        kind, w = "undefined-name", _W_UNDEFINED
    elif code == "F401":
        kind, w = "unused-import", _W_UNUSED
    elif code == "F841":
        kind, w = "unused-variable", _W_UNUSED
    elif code == "F403":
        kind, w = "ImportStarUsed", _W_OTHER
    elif code == "PLW0602":
        kind, w = "UnusedIndirectAssignment", _W_OTHER
    else:
        kind, w = _PYFLAKES.get(code, code), _W_OTHER
    loc = diag.get("location") or {}
    return {"kind": kind, "line": int(loc.get("row") or 1), "column": int(loc.get("column") or 1),
            "message": _pyflakes_message(code, diag.get("message", "")), "weight": w}


def _collect(diags: list[dict], key) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for d in diags:
        f = _finding(d)
        if f is not None:
            out.setdefault(key(d), []).append(f)
    for fs in out.values():
        fs.sort(key=lambda f: (f["line"], f["column"]))
    return out


def _remember(code: str, findings: list[dict]) -> None:
    _CACHE[code] = [{k: v for k, v in f.items() if k != "column"} for f in findings]
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def prepare(codes: Iterable[str]) -> None:
    """Lint many blocks with one ruff run; ``lint`` then answers from memory."""
    todo = list(dict.fromkeys(c for c in codes if c not in _CACHE))
    if len(todo) < 2:
        return  # one block: `lint` runs it alone when asked
    todo = todo[:_CACHE_SIZE]
    with tempfile.TemporaryDirectory(prefix="evalkit-lint-") as d:
        names = {}
        for i, code in enumerate(todo):
            name = f"b{i}.py"
            with open(os.path.join(d, name), "w", encoding="utf-8", errors="replace") as fh:
                fh.write(code)
            names[name] = code
        diags = _run(_command() + [d])
    found = _collect(diags, lambda x: os.path.basename(x.get("filename", "")))
    for name, code in names.items():
        _remember(code, found.get(name, []))


def lint(code: str) -> list[dict]:
    """pyflakes-style findings of one block (kind, line, message, weight), in line order."""
    if code not in _CACHE:
        diags = _run(_command() + ["--stdin-filename", "block.py", "-"], code)
        _remember(code, _collect(diags, lambda x: "block").get("block", []))
    return [dict(f) for f in _CACHE[code]]


def _run(cmd: list[str], stdin: str | None = None) -> list[dict]:
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, encoding="utf-8", errors="replace")
    if p.returncode != 0:
        raise RuntimeError(f"ruff failed ({p.returncode}): {p.stderr.strip()[:300]}")
    return json.loads(p.stdout or "[]")
