"""The sandbox's commands: ``evalkit exec FILE`` and ``evalkit setup-sandbox``.

They live outside the sandbox package on purpose: ``exec`` runs the job scoring would run
(``scorers.execution.program_job``), and the sandbox must not depend on the scorers.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from . import sandbox_env
from .errors import EvalkitError
from .sandbox import Outcome, Sandbox, describe_isolation, looks_like_game
from .scorers.execution import program_job


def format_outcome(out: Outcome) -> str:
    """An outcome as `evalkit exec` prints it (without --json)."""
    lines = [f"status:     {out.status}", f"reason:     {out.reason}", f"isolation:  {out.isolation}",
             f"exit code:  {out.exit_code}" + (f" (signal {out.signal})" if out.signal else ""),
             f"duration:   {out.duration:.3f} s"]
    if out.virtual_time is not None:
        lines.append(f"game time:  {out.virtual_time:.1f} s (virtual)")
    if out.exception_type:
        where = f" (line {out.lineno})" if out.lineno else ""
        lines.append(f"exception:  {out.exception_type}: {out.exception_message}{where}")
    for label, value in (("missing module", out.missing_module), ("missing file", out.missing_file),
                         ("killed", out.killed_reason)):
        if value:
            lines.append(f"{label}: {value}")
    if out.alive_at_end:
        lines.append("note:       still running when its budget ended (interactive: counts as ok)")
    if out.early_exit:
        lines.append("note:       exited cleanly within 1 s of starting")
    for name, text, cut in (("stdout", out.stdout, out.stdout_truncated), ("stderr", out.stderr, out.stderr_truncated)):
        if text.strip():
            lines.append(f"--- {name}{' (truncated)' if cut else ''} ---")
            lines.append(text.rstrip())
    return "\n".join(lines)


def exec_command(path: str, timeout: float | None, as_json: bool, mode: str = "auto",
                 interactive: bool | None = None) -> int:
    """`evalkit exec FILE`: run one program exactly as scoring does (the same job, see
    ``scorers.execution.program_job``; `interactive` as the task's flag, by default True for a
    pygame program); 0 if its outcome is ok."""
    p = Path(path)
    if not p.is_file():
        raise EvalkitError(f"no such file: {path}; give the path of a Python program to run")
    try:
        source = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EvalkitError(f"{path} is not UTF-8 text; evalkit exec runs Python source files") from exc
    if interactive is None:  # without a task: a pygame program is a game, as for an interactive task
        interactive = looks_like_game(source)
    if looks_like_game(source):
        sandbox_env.ensure()
    job = program_job(source, interactive=interactive, filename=p.name)  # the job scoring would run
    if timeout is not None:
        job = replace(job, timeout=float(timeout))
    with Sandbox(mode) as sb:
        out = sb.run(job)
    if as_json:
        print(json.dumps(out.to_dict(), indent=2))
    else:
        print(format_outcome(out))
    return 0 if out.ok else 1


def setup_command() -> int:
    """`evalkit setup-sandbox`: (re)create the dependency folder, then say which isolation runs."""
    code = sandbox_env.setup_command()
    print(describe_isolation())
    return code
