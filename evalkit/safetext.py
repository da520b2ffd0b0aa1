"""Text that UTF-8 (SQLite, files, the terminal) can hold, whatever a server or a file delivered.

JSON may carry lone UTF-16 surrogates ("\\ud800"): Python keeps them in a str, but they cannot be
encoded as UTF-8, so the store, the reports and the terminal would fail on them. They are replaced
by U+FFFD and counted, so the response can say what was changed.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> tuple[str, int]:
    """(text with every lone surrogate replaced by U+FFFD, how many were replaced)."""
    try:
        text.encode("utf-8")
        return text, 0
    except UnicodeEncodeError:
        return _SURROGATE.subn(REPLACEMENT, text)


def cleaned(value):
    """`value` with its text made UTF-8-safe (strings only; other values are returned as given)."""
    return clean(value)[0] if isinstance(value, str) else value


def note(replaced: int) -> str:
    """The words a response carries when its text had to be changed to be stored."""
    return f"{replaced} character(s) UTF-8 cannot hold (lone surrogates) replaced by U+FFFD"
