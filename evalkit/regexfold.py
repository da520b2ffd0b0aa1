"""Case-insensitive regexes rewritten case-sensitive, for CPython's fast scanning.

CPython's regex engine gives up its fast scanning under IGNORECASE: the rubrics' vocab
alternations (``(?i:(collid|crash|hit|...))``) search 5x slower than the same alternation written
in lower case over lower-cased text. ``lowered`` makes that rewrite only where it is exact
(tests/test_static_speed.py holds it equal on the rubrics' patterns and corpus code).
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=2048)
def lowered(pattern: str) -> re.Pattern | None:
    """A case-sensitive regex P' with ``P.search(t)`` == ``P'.search(t.lower())`` for every ASCII
    text t, for a ``(?i)`` pattern that can be rewritten exactly; else None.

    CPython's regex engine gives up its fast scanning under IGNORECASE (5x slower on the rubrics'
    vocab alternations). Only a pattern that is case-insensitive as a whole, ASCII, and made of
    constructs whose meaning does not depend on case once the text is lower case qualifies: its
    letters are lowered, escapes (``\\W``, ``\\S`` ...) kept, ``(?i:`` becomes ``(?:``. Character
    codes (``\\x41``), octal escapes, named groups, other flags and class ranges other than a-z,
    A-Z, 0-9 are refused (the caller then searches with the pattern as written).
    """
    if not pattern.isascii():
        return None
    if pattern.startswith("(?i)"):
        body, whole = pattern[4:], False
    elif pattern.startswith("(?i:"):
        body, whole = pattern, True  # one (?i:...) group must span the whole pattern
    else:
        return None
    out, i, n, depth, cls = [], 0, len(body), 0, None  # cls: the class's tokens so far, when in one
    while i < n:
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1:i + 2]
            if nxt in ("", "x", "u", "U", "N", "g", "0") or re.match(r"[0-7]{3}", body[i + 1:i + 4]):
                return None
            tok, i = body[i:i + 2], i + 2
            if cls is not None:
                cls.append(tok)
            out.append(tok)
            continue
        if cls is not None:
            if ch == "]" and cls and cls != ["^"]:
                cls = None
            elif ch == "-" and cls and cls != ["^"] and i + 1 < n and body[i + 1] != "]":
                ends = cls[-1] + body[i + 1]
                if not (len(ends) == 2 and (ends.isdigit() or ends.isalpha() and (ends.islower() or ends.isupper()))):
                    return None  # a range like [0-Z] or [A-z]: its case-folded set is not its lowered one
                cls.append(ch)
            else:
                cls.append(ch)
            out.append(ch.lower())
            i += 1
            continue
        if ch == "[":
            cls = []
        elif ch == "(":
            depth += 1
            if body.startswith("(?", i):
                if body.startswith("(?i:", i):
                    out.append("(?:")
                    i += 4
                    continue
                if not body.startswith(("(?:", "(?=", "(?!", "(?<=", "(?<!"), i):
                    return None  # named groups, comments, conditionals, other flags
        elif ch == ")":
            depth -= 1
            if whole and depth == 0 and i != n - 1:
                return None
        out.append(ch.lower())
        i += 1
    if cls is not None or depth != 0:
        return None
    try:
        return re.compile("".join(out))
    except re.error:
        return None
