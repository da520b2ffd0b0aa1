"""Reading the user's YAML files (config, suites, rubrics, gate rules) with one-line errors."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import EvalkitError


def load_mapping(path: str | Path, what: str, example: str) -> dict:
    """The file's top-level mapping (an empty file is {}); any problem is an EvalkitError naming
    the file (and the line, for a syntax error) and `example`, where the format is shown."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalkitError(f"{what} {path} not found") from None
    except OSError as exc:
        raise EvalkitError(f"cannot read {what} {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        raise EvalkitError(f"{path}:{where} invalid YAML ({getattr(exc, 'problem', None) or exc}); "
                           "fix the file") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EvalkitError(f"{path}: expected a mapping at the top level (see {example})")
    return data
