"""Black-box checks of command-line tools and web APIs (a task's ``checks:`` field, docs/apps.md).

The answer's files run in the sandbox next to evalkit/sandboxed/blackbox.py, which runs every case
and reports what it observed; this module builds that job, compares the observations with the
expected values (which never enter the sandbox) and turns them into ``tests_pass`` (cases passed /
cases), per-case evidence in plain words, and one probe result per case id for rubric features
(``probe: <case id>``). A web API's ``runs_ok`` comes from its start: listening on 127.0.0.1:$PORT.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from .blackbox_spec import STARTUP
from .scorers.base import Score

HARNESS = Path(__file__).resolve().parent / "sandboxed" / "blackbox.py"
HARNESS_NAME = "__evalkit_blackbox__.py"
SPEC_NAME = "__evalkit_cases__.json"
MARK = "@@evalkit-blackbox "


# ---------------------------------------------------------------- the sandbox job
def spec_for(checks: dict, entry: str, answer_files: list[str], module: str | None) -> dict:
    """What the harness gets: commands and inputs only, never the expected values."""
    cases = []
    for c in checks["cases"]:
        if "requests" in c:
            cases.append({"id": c["id"], "requests": [{k: v for k, v in r.items() if not k.startswith("expect_")}
                                                      for r in c["requests"]]})
        else:
            cases.append({"id": c["id"], "args": c["args"], "stdin": c.get("stdin"), "before": c["before"],
                          "files": c["files"], "read": sorted(c["files_after"]), "timeout": c.get("timeout")})
    # a sample todo.json or sales.csv in the answer is left out: the checks own their data files
    managed = {*checks.get("main_files", {}), *(checks.get("server") or {}).get("files", {}),
               *(n for c in checks["cases"] for n in (*c.get("files", {}), *c.get("files_after", {})))}
    kept = [n for n in answer_files if n == entry or n not in managed]
    spec = {"entry": entry, "module": module, "answer_files": kept, "cases": cases,
            "timeout": checks["timeout"]}
    if checks.get("server"):
        spec["server"] = checks["server"]
    return spec


def budget(checks: dict) -> float:
    """The harness job's timeout: every command may use its whole timeout, plus the server's start."""
    total = sum(c.get("timeout", checks["timeout"]) * (1 + len(c.get("before", [])) + len(c.get("requests", [])))
                for c in checks["cases"])
    return total + (checks["server"]["startup"] + 5 if checks.get("server") else 2)


def harness_job(checks: dict, entry: str, files: tuple[tuple[str, str], ...], source: str,
                module: str | None = None) -> dict:
    """The sandbox Job's fields: the harness as the program, the answer's files and the spec beside it."""
    answer = ((entry, source), *files)
    spec = spec_for(checks, entry, [name for name, _ in answer], module)
    return {"source": HARNESS.read_text(encoding="utf-8"), "filename": HARNESS_NAME,
            "files": (*answer, (SPEC_NAME, json.dumps(spec))), "argv": (SPEC_NAME,), "timeout": budget(checks)}


def observations(stdout: str) -> dict[str, dict]:
    """The harness's per-case lines, by id."""
    got = {}
    for line in stdout.splitlines():
        if line.startswith(MARK):
            try:
                rec = json.loads(line[len(MARK):])
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and isinstance(rec.get("id"), str):
                got[rec["id"]] = rec
    return got


# ---------------------------------------------------------------- comparing
def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in str(text).replace("\r\n", "\n").split("\n")).strip("\n")


def _short(value, n: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return repr(text) if len(text) <= n else repr(text[:n]) + f" (+{len(text) - n} chars)"


def _subset(want, got) -> bool:
    """Every key `want` gives has the same value in `got` (recursively); lists match item by item."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and _subset(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(_subset, want, got))
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    return want == got


def match(text: str | None, m: dict, what: str) -> str | None:
    """None when `text` meets the matcher, else what is wrong, in plain words."""
    if text is None:
        return f"{what}: missing"
    if "only_lines" in m:  # records only: a heading or blank line the prompt leaves open is not compared
        text = "\n".join(ln.strip() for ln in str(text).replace("\r\n", "\n").split("\n")
                          if re.search(m["only_lines"], ln))
    norm = _norm(text)
    if "equals" in m and norm != _norm(m["equals"]):
        return f"{what} should be {_short(_norm(m['equals']))}, got {_short(norm)}"
    for s in m.get("contains", []):
        if s not in text:
            return f"{what} should contain {_short(s)}, got {_short(norm)}"
    for s in m.get("not_contains", []):
        if s in text:
            return f"{what} should not contain {_short(s)}, got {_short(norm)}"
    for p in m.get("regex", []):
        if not re.search(p, text, re.M):
            return f"{what} should match /{p}/, got {_short(norm)}"
    if "lines" in m and len([ln for ln in norm.split("\n") if ln.strip()]) != int(m["lines"]):
        return f"{what} should have {m['lines']} non-blank lines, got {_short(norm)}"
    if "json" in m or "json_has" in m:
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, TypeError):
            return f"{what} should be JSON, got {_short(norm)}"
        if "json" in m and not _subset(m["json"], value) or "json" in m and not _subset(value, m["json"]):
            return f"{what} should be the JSON {_short(m['json'])}, got {_short(value)}"
        if "json_has" in m and not _subset(m["json_has"], value):
            return f"{what} should include the JSON {_short(m['json_has'])}, got {_short(value)}"
    return None


_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)|[A-Z]\w*Error)(:.*)?$")


def crash_line(stderr: str) -> str | None:
    """The exception a Python traceback ends with ("KeyError: 'x'"), or None without a traceback."""
    if "Traceback (most recent call last)" not in (stderr or ""):
        return None
    for line in reversed(stderr.strip().splitlines()):
        if _EXC_LINE.match(line.strip()):
            return line.strip()[:200]
    return stderr.strip().splitlines()[-1][:200]


def _cmd(prog: str, args: list) -> str:
    return shlex.join([*shlex.split(prog), *args])


def _ran(prog: str, rec: dict, stdin: str | None) -> str:
    """`python todo.py add x` (with stdin) exited 1 with KeyError: 'x'."""
    text = f"`{_cmd(prog, rec.get('args', []))}`" + (f" (stdin {_short(stdin, 60)})" if stdin else "")
    if rec.get("error"):
        return f"{text} {rec['error']}"
    if rec.get("timed_out"):
        return f"{text} was still running at its timeout"
    code = rec.get("exit")
    if isinstance(code, int) and code < 0:  # a signal: SIGXFSZ is the file-size limit (output flood)
        name = {-25: "SIGXFSZ (file size limit)", -9: "SIGKILL", -24: "SIGXCPU (CPU time limit)"}.get(code, str(-code))
        return f"{text} was killed by signal {name}"
    crash = crash_line(rec.get("stderr", ""))
    return f"{text} exited {code}" + (f" with {crash}" if crash else "")


def _exit_ok(want, got) -> bool:
    return want == "any" or (want == "nonzero" and got not in (0, None)) or want == got


def cli_verdict(case: dict, rec: dict | None, prog: str) -> dict:
    """One command-line case: passed, and what ran, expected and happened, in plain words."""
    out = {"id": case["id"], "name": case["name"], "command": _cmd(prog, case["args"])}
    if rec is None:
        return {**out, "passed": False, "reason": "not run: the checks stopped before this case"}
    for step, r in zip(case["before"], rec.get("before", [])):
        if r.get("timed_out") or r.get("error") or r.get("exit") != 0:
            return {**out, "passed": False, "reason": f"setup command {_ran(prog, r, step.get('stdin'))}",
                    "stderr": r.get("stderr", "")[-400:], "not_run": True}
    run = rec.get("run") or {}
    got = _ran(prog, run, case.get("stdin"))
    out["got"] = got
    out["stdout"] = run.get("stdout", "")[:400]
    if run.get("error") or run.get("timed_out"):
        return {**out, "passed": False, "reason": got}
    wrong = None
    if not _exit_ok(case["exit"], run.get("exit")):
        wrong = f"exit code {run.get('exit')}, expected {case['exit']}"
        crash = crash_line(run.get("stderr", ""))
        wrong += f" ({crash})" if crash else ""
    if wrong is None and case["stdout"]:
        wrong = match(run.get("stdout", ""), case["stdout"], "stdout")
    if wrong is None and case.get("stderr"):
        wrong = match(run.get("stderr", ""), case["stderr"], "stderr")
    for name, m in case["files_after"].items():  # a null expectation: the file must not exist
        text = (rec.get("files") or {}).get(name)
        if wrong is None and m is None and text is not None:
            wrong = f"{name} should not have been written"
        elif wrong is None and m is not None:
            wrong = f"{name} was not written" if text is None else match(text, m, name)
    crash = crash_line(run.get("stderr", ""))
    if wrong is not None and crash and crash not in wrong:  # the crash first: the reason is clipped in reports
        wrong = f"it crashed with {crash}; {wrong}"
    if wrong is not None and run.get("stderr"):
        out["stderr"] = run["stderr"][-400:]
    return {**out, "passed": wrong is None, "reason": wrong or f"{got}; output as expected"}


_SLOT = re.compile(r"^\{(\w+)(?:\+(\d+))?\}$")


def _resolve(want, saved: dict):
    """Expected JSON with `"{first}"` / `"{first+1}"` replaced by the id the server gave (`save:`)."""
    if isinstance(want, dict):
        return {k: _resolve(v, saved) for k, v in want.items()}
    if isinstance(want, list):
        return [_resolve(v, saved) for v in want]
    slot = _SLOT.match(want) if isinstance(want, str) else None
    if slot and slot.group(1) in saved:
        value = saved[slot.group(1)]
        if not slot.group(2):
            return value
        return value + int(slot.group(2)) if isinstance(value, int) else want  # "abc" + 1: no next id
    return want


def _expected_body(req: dict, saved: dict) -> dict | None:
    m = req["expect_body"]
    if not m or not saved:
        return m
    return {k: (_resolve(v, saved) if k in ("json", "json_has") else v) for k, v in m.items()}


def http_verdict(case: dict, rec: dict | None) -> dict:
    reqs = " then ".join(f"{r.get('method', 'GET').upper()} {r['path']}" for r in case["requests"])
    out = {"id": case["id"], "name": case["name"], "command": reqs}
    if rec is None or rec.get("stopped"):
        why = "the server was not listening" if rec else "the checks stopped before this case"
        return {**out, "passed": False, "reason": f"not run: {why}", "not_run": True}
    got = rec.get("requests", [])
    for i, req in enumerate(case["requests"]):
        what = f"{req.get('method', 'GET').upper()} {req['path']}" + (f" {json.dumps(req['json'])[:80]}" if "json" in req else "")
        if i >= len(got):
            gone = rec.get("server_exited")
            return {**out, "passed": False, "reason": f"{what}: not sent, the server exited ({gone}) before it"}
        r = got[i]
        if r.get("path") and r["path"] != req["path"]:  # a `{first}` path: say what was sent
            what = what.replace(req["path"], r["path"], 1)
        if r.get("error"):
            return {**out, "passed": False, "reason": f"{what}: no answer ({r['error']})"}
        allowed = req["expect_status"] if isinstance(req["expect_status"], list) else [req["expect_status"]]
        if r.get("status") not in allowed:
            crash = crash_line(r.get("server_log", ""))
            raised = f" (the server raised {crash})" if crash else ""
            return {**out, "passed": False, "body": r.get("body", "")[:300],
                    "reason": f"{what}: status {r.get('status')}, expected {' or '.join(map(str, allowed))}{raised}"}
        expected = _expected_body(req, r.get("saved") or {})
        wrong = match(r.get("body", ""), expected, f"{what}: the body") if expected else None
        if wrong:
            return {**out, "passed": False, "reason": wrong}
    return {**out, "passed": True, "reason": f"{len(got)} request(s) answered as expected"}


# ---------------------------------------------------------------- scoring
_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


def server_outcome(info: dict | None, own_modules: set[str]) -> tuple[str, str, str | None]:
    """(status, reason, exception line) of a web API's start, as the main run's outcome."""
    if not info:
        return "error", "not judged: the checks harness reported nothing about the server", None
    out = str(info.get("output") or "")
    crash = crash_line(out)
    if info.get("status") == "listening":
        return "ok", "the server started and listened on 127.0.0.1:$PORT", None
    if info.get("status") == "never_listened":
        return "timeout", (f"the server never listened on 127.0.0.1:$PORT within {info.get('waited', STARTUP):g} s "
                           "(it must read the port from the PORT environment variable)"), crash
    if info.get("status") == "exited":
        missing = _NO_MODULE.search(out)
        if missing and missing.group(1).split(".")[0] not in own_modules:
            return ("missing_dependency", f"not judged: the program imports {missing.group(1)}, which the sandbox "
                    "does not have", crash)
        if crash and crash.startswith(("SyntaxError", "IndentationError", "TabError")):
            return "syntax_error", f"syntax error: {crash}", crash
        what = f" with {crash}" if crash else ""
        return "crashed", f"crashed: exited {info.get('exit')}{what} before listening on 127.0.0.1:$PORT", crash
    return "error", f"not judged: the checks harness could not start the server ({info.get('error', '')})", None


def _summary(verdicts: list[dict]) -> str:
    failed = [v for v in verdicts if not v["passed"]]
    text = f"{len(verdicts) - len(failed)} of {len(verdicts)} checks passed"
    if failed:
        text += "; failed: " + "; ".join(f"{v['id']} ({v['reason']})" for v in failed[:3])
        text += f"; and {len(failed) - 3} more" if len(failed) > 3 else ""
    return text


def tests_score(verdicts: list[dict], isolation: str | None) -> Score:
    n = sum(v["passed"] for v in verdicts)
    tests = [{"index": i, "id": v["id"], "passed": v["passed"], "status": "ok" if v["passed"] else "failed",
              "reason": f"{v['command']} -> {v['reason']}"[:600], "case": v}
             for i, v in enumerate(verdicts)]
    return Score("tests_pass", n / len(verdicts), {"passed": n, "total": len(verdicts), "tests": tests,
                                                   "reason": _summary(verdicts)[:600], "isolation": isolation})


def probes_of(verdicts: list[dict], cases: list[dict] | None = None) -> dict:
    """Each case as a behavioural probe: rubric features name it with `probe: <case id>`. A case
    that could not test its own behaviour is not judged (its feature falls back to the static
    evidence; tests_pass still counts it failed): never sent (the server did not listen on $PORT),
    a setup command that failed, or a failed case it `needs` (a filter by done after a PATCH that
    did nothing)."""
    needs = {c["id"]: c.get("needs") or [] for c in cases or []}
    failed = {v["id"] for v in verdicts if not v["passed"]}
    out = {}
    for v in verdicts:
        broken = [n for n in needs.get(v["id"], []) if n in failed]
        detail = f"{v['command']}: {v['reason']}"
        if broken and not v["passed"]:
            detail = f"not judged: it builds on {', '.join(broken)}, which failed; {detail}"
        out[v["id"]] = {"passed": None if v.get("not_run") or (broken and not v["passed"]) else v["passed"],
                        "detail": detail[:300]}
    return out


def not_judged(checks: dict, status: str, reason: str) -> Score:
    return Score("tests_pass", None, {"status": status, "passed": 0, "total": len(checks["cases"]), "tests": [],
                                      "reason": reason})


def _doomed_tests(checks: dict, main: dict, prog: str) -> tuple[Score, list]:
    """A program that does not compile fails every case; one the sandbox cannot judge, none."""
    if main["status"] == "syntax_error":
        verdicts = [{"id": c["id"], "name": c["name"], "command": _cmd(prog, c.get("args", [])),
                     "passed": False, "reason": "the program does not compile"} for c in checks["cases"]]
        return tests_score(verdicts, main.get("isolation")), verdicts
    return not_judged(checks, main["status"], str(main.get("reason") or "")), []


def scores(checks: dict, prog: str, main: dict | None, harness, own_modules: set[str],
           not_scored: tuple[str, ...]) -> tuple[list, dict]:
    """runs_ok, tests_pass and the per-case probes, from the main run's details (`main`, None for
    a web API) and the harness's outcome (None when the main run already decided every case);
    statuses in `not_scored` are not the program's doing (runs_ok None)."""
    got = observations(harness.stdout) if harness is not None else {}
    if main is None:
        status, reason, crash = server_outcome(got.get("__server__"), own_modules)
        info = got.get("__server__") or {}
        main = {"status": status, "reason": reason, "isolation": harness.isolation,
                "command": f"PORT=<port> {prog}", "exception": crash,
                "server_output": str(info.get("output") or "")[-1500:]}
    runs = Score("runs_ok", None if main["status"] in not_scored else float(main["status"] == "ok"), main)
    execution = dict(main)
    if harness is None:
        tests, verdicts = _doomed_tests(checks, main, prog)
    elif harness.status in ("cut_off", "error"):
        tests, verdicts = not_judged(checks, harness.status, harness.reason), []
    elif runs.value is None and checks.get("server"):
        tests, verdicts = not_judged(checks, main["status"], main["reason"]), []
    else:
        verdicts = [http_verdict(c, got.get(c["id"])) if "requests" in c else cli_verdict(c, got.get(c["id"]), prog)
                    for c in checks["cases"]]
        if "__done__" not in got:
            execution["checks_harness"] = f"stopped early: {harness.reason}"
        tests = tests_score(verdicts, harness.isolation)
    execution["tests"] = tests.details.get("tests", [])
    return [runs, tests], {"execution": execution, "probes": probes_of(verdicts, checks["cases"])}
