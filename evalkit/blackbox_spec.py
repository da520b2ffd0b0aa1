"""A task's ``checks:`` field: black-box cases for a command-line tool or a web API (docs/apps.md).

Parsed and validated here when a suite loads (a one-line error for a bad field); run and compared
by evalkit/blackbox.py. Not to be confused with evalkit/scorers/checks.py (a rubric's static
evidence checks).
"""

from __future__ import annotations

import re

from .errors import EvalkitError

CASE_TIMEOUT = 5.0    # seconds per command or request (a tool answers in well under 1 s)
STARTUP = 15.0        # seconds a web API may take to listen (generous: flask imports take ~0.3 s)
MATCHERS = ("equals", "contains", "not_contains", "regex", "json", "json_has", "lines", "only_lines")
_ID = re.compile(r"^[A-Za-z_][\w-]*$")


def parse_checks(raw, where: str) -> dict:
    """Validate and normalise a task's ``checks:`` (a one-line EvalkitError for a bad one)."""
    if raw in (None, {}, []):
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("cases"), list) or not raw["cases"]:
        raise EvalkitError(f"{where}: `checks:` needs a non-empty `cases:` list (see docs/apps.md)")
    server = raw.get("server")
    if server is True:
        server = {}
    if server is not None and not isinstance(server, dict):
        raise EvalkitError(f"{where}: `checks.server` must be true or a mapping (startup, args, files)")
    cases, seen = [], set()
    for i, case in enumerate(raw["cases"]):
        cid = case.get("id") if isinstance(case, dict) else None
        if not isinstance(cid, str) or not _ID.match(cid) or cid in seen:
            raise EvalkitError(f"{where}: check #{i + 1} needs a unique `id` (letters, digits, _ and -)")
        seen.add(cid)
        cases.append(_case(case, server is not None, f"{where}: check {cid}"))
        if set(cases[-1]["needs"]) - (seen - {cid}):
            raise EvalkitError(f"{where}: check {cid}: `needs` names only earlier checks")
    out = {"cases": cases, "timeout": float(raw.get("timeout") or CASE_TIMEOUT),
           "main": [str(a) for a in raw.get("main") or []],  # the main run's arguments (runs_ok)
           "main_files": {str(k): str(v) for k, v in (raw.get("main_files") or {}).items()}}  # ... and input files
    if server is not None:
        out["server"] = {"startup": float(server.get("startup") or STARTUP),
                         "args": [str(a) for a in server.get("args") or []],
                         "files": {str(k): str(v) for k, v in (server.get("files") or {}).items()},
                         # `{name}` in paths and expected JSON before a request's `save:` sets it
                         "vars": {str(k): v for k, v in (server.get("vars") or {}).items()}}
    return out


def _matcher(spec, where: str) -> dict | None:
    if spec is None:
        return None
    if isinstance(spec, str):
        return {"equals": spec}
    if not isinstance(spec, dict) or not spec or set(spec) - set(MATCHERS):
        raise EvalkitError(f"{where}: an expected output is a string or a mapping of {', '.join(MATCHERS)}")
    out = dict(spec)
    for key in ("contains", "not_contains", "regex"):
        if key in out and isinstance(out[key], str):
            out[key] = [out[key]]
    for pattern in [*out.get("regex", []), *([out["only_lines"]] if "only_lines" in out else [])]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise EvalkitError(f"{where}: bad regex {pattern!r}: {exc}") from None
    return out


def _argv(step, where: str) -> dict:
    if isinstance(step, list):
        return {"args": [str(a) for a in step]}
    if isinstance(step, dict) and isinstance(step.get("args", []), list):
        return {"args": [str(a) for a in step.get("args", [])], "stdin": step.get("stdin")}
    raise EvalkitError(f"{where}: a command is a list of arguments or {{args: [...], stdin: ...}}")


def _case(case: dict, http: bool, where: str) -> dict:
    out = {"id": case["id"], "name": str(case.get("name") or case["id"])}
    needs = case.get("needs") or []  # earlier cases whose behaviour this one builds on
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise EvalkitError(f"{where}: `needs` is a list of earlier check ids")
    out["needs"] = list(needs)
    if http:
        reqs = case.get("requests")
        if not isinstance(reqs, list) or not reqs:
            raise EvalkitError(f"{where}: a web API check needs a `requests:` list")
        out["requests"] = []
        for r in reqs:
            if not isinstance(r, dict) or not str(r.get("path", "")).startswith("/"):
                raise EvalkitError(f"{where}: each request needs a `path` starting with /")
            req = {k: r[k] for k in ("method", "path", "json", "body", "headers") if k in r}
            if r.get("save") is not None:  # {name: key}: later paths say {name} for this answer's value
                if not isinstance(r["save"], dict) or not all(_ID.match(str(n)) for n in r["save"]):
                    raise EvalkitError(f"{where}: `save` maps names to keys of the JSON answer ({{first: id}})")
                req["save"] = {str(n): str(k) for n, k in r["save"].items()}
            status = r.get("status", 200)  # a number, or a list of the statuses the prompt allows
            req["expect_status"] = [int(x) for x in status] if isinstance(status, list) else int(status)
            req["expect_body"] = _matcher(r.get("response"), where)
            out["requests"].append(req)
        return out
    out.update(_argv(case, where))
    out["before"] = [_argv(s, where) for s in case.get("before") or []]
    out["files"] = {str(k): str(v) for k, v in (case.get("files") or {}).items()}
    exit_code = case.get("exit", 0)
    if not (exit_code in ("nonzero", "any") or isinstance(exit_code, int)):
        raise EvalkitError(f"{where}: `exit` is a number, nonzero or any")
    out["exit"] = exit_code
    out["stdout"] = _matcher(case.get("stdout"), where)
    out["stderr"] = _matcher(case.get("stderr"), where)
    out["files_after"] = {str(k): (None if v is None else _matcher(v, where))
                          for k, v in (case.get("files_after") or {}).items()}
    if case.get("timeout"):
        out["timeout"] = float(case["timeout"])
    return out
