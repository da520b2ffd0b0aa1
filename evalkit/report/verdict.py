"""The gate verdict as text (the CI log line) and as files (Markdown, JUnit XML) where the user asked."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import EvalkitError
from ..gate import GateResult

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def verdict_text(result: GateResult) -> str:
    checked = [o for o in result.outcomes if o.status in ("pass", "fail")]
    head = (f"gate {'PASS' if result.passed else 'FAIL'}: {result.candidate} vs {result.baseline} "
            f"(run {result.run_id}, {len(checked)} rules, {len(result.failed)} failed)")
    lines = [head]
    for o in result.failed:
        worst = ", ".join(f"{w['task_id']} ({w['delta']:+.2f})" for w in o.worst_tasks[:3])
        lines.append(f"  FAIL {o.name}: {o.message}" + (f"; worst tasks: {worst}" if worst else ""))
    for o in result.errors:
        lines.append(f"  ERROR {o.name}: {o.message}")
    # names come from results files: no terminal escape sequences reach the CI log
    return "\n".join(_CONTROL.sub("?", line) for line in lines)


def write_gate_files(result: GateResult, markdown_path: str | Path | None = None,
                     junit_path: str | Path | None = None) -> None:
    """gate_markdown / gate_junit of the verdict to the paths given (None: not written)."""
    from .junit import gate_junit
    from .markdown import gate_markdown

    for path, render in ((markdown_path, gate_markdown), (junit_path, gate_junit)):
        if not path:
            continue
        mode = "a" if _is_step_summary(path) else "w"  # other steps share $GITHUB_STEP_SUMMARY
        try:
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, mode, encoding="utf-8") as f:
                f.write(render(result))
        except OSError as exc:
            raise EvalkitError(f"cannot write {path}: {exc}") from exc


def _is_step_summary(path: str | Path) -> bool:
    env = os.environ.get("GITHUB_STEP_SUMMARY")
    try:
        return bool(env) and Path(path).resolve() == Path(env).resolve()
    except OSError:
        return False
