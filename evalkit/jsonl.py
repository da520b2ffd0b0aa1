"""One JSON value a line, read with every bad line named by file and line (responses files and
curate's JSONL datasets read through here)."""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from .errors import EvalkitError


def parse_lines(lines: Iterable[str], where: str) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) for every non-blank line; a line that is not JSON is an
    EvalkitError naming ``where:line``."""
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalkitError(f"{where}:{lineno}: not valid JSON ({exc.msg}); one JSON object a line") from None
        except (ValueError, RecursionError) as exc:  # a number too long to convert, nesting too deep
            raise EvalkitError(f"{where}:{lineno}: not usable JSON ({str(exc)[:80] or type(exc).__name__}); "
                               "one flat JSON object a line") from None
