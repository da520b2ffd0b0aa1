"""Black-box checks of a command-line tool or a web API, run INSIDE the sandbox (standard library only).

The host (evalkit/blackbox.py) sends this file as the job's program, the answer's files beside it
and a spec file named on the command line. This harness reads the spec, deletes it (the answer
never sees it), and for every case copies the answer's files into a fresh folder, writes the
case's input files, runs ``python <entry> args...`` (first the case's ``before`` commands) with a
per-case timeout, and reads back the files the case asks for. For a web API it starts the answer
once with PORT set, waits until 127.0.0.1:PORT accepts connections (the sandbox has its own
loopback), sends each case's requests with http.client, and stops the server.

It only observes: exit codes, stdout, stderr, files, HTTP statuses and bodies. The expected
values stay on the host, which compares. One line per case on stdout, ``@@evalkit-blackbox {json}``,
flushed as soon as the case ends, so a harness stopped half-way still reports what it did.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

MARK = "@@evalkit-blackbox "
OUT_CHARS = 2000   # stdout kept per command (the job's own output is capped at 64 KB)
ERR_CHARS = 800    # stderr tail kept per command (where a traceback ends)
FILE_CHARS = 2000
BODY_CHARS = 2000
FIXED_PORT = 18080


def emit(obj: dict) -> None:
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def head(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n] + f"\n[... {len(text) - n} more chars]"


def tail(text: str, n: int) -> str:
    return text if len(text) <= n else f"[... {len(text) - n} chars before]\n" + text[-n:]


def child_env(spec: dict, home: str) -> dict:
    env = dict(os.environ)
    # the template's extra site folders (the sandbox env: pygame, flask ...) for the child interpreter
    here = os.path.dirname(os.path.abspath(__file__))
    std = (sys.base_prefix, sys.prefix)
    extra = [p for p in sys.path[1:] if p and os.path.isdir(p) and not p.startswith(std) and p != here]
    env.update({"PYTHONPATH": os.pathsep.join(extra), "HOME": home, "TZ": "UTC", "COLUMNS": "100",
                "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"})
    env.update({str(k): str(v) for k, v in (spec.get("env") or {}).items()})
    return env


def command(spec: dict, args: list) -> list[str]:
    run = ["-m", spec["module"]] if spec.get("module") else [spec["entry"]]
    return [sys.executable, "-s", *run, *map(str, args)]


def prepare(spec: dict, folder: str, files: dict) -> None:
    """A fresh folder holding the answer's files and the case's input files."""
    os.makedirs(folder)
    for name in spec["answer_files"]:
        dest = os.path.join(folder, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(os.path.join(spec["root"], name), dest)
    for name, text in (files or {}).items():
        dest = os.path.join(folder, name)
        os.makedirs(os.path.dirname(dest) or folder, exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write(str(text))


def run_command(spec: dict, folder: str, args: list, stdin: str | None, timeout: float) -> dict:
    """One command in the case folder. Its input and output go through files beside the folder (not
    pipes): a program that floods its output meets the file-size limit instead of filling the
    harness's memory, and only the head of stdout and the tail of stderr are read back."""
    argv = command(spec, args)
    rec = {"args": [str(a) for a in args]}
    io_in, io_out, io_err = (folder + ext for ext in (".in", ".out", ".err"))
    with open(io_in, "w", encoding="utf-8") as f:
        f.write(stdin or "")
    with open(io_in, "rb") as fin, open(io_out, "wb") as fout, open(io_err, "wb") as ferr:
        try:
            proc = subprocess.Popen(argv, cwd=folder, env=child_env(spec, folder), stdin=fin, stdout=fout,
                                    stderr=ferr, start_new_session=True)
        except OSError as exc:
            return {**rec, "error": f"could not start: {exc}"}
        try:
            rec["exit"] = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait()
            rec["timed_out"] = True
    rec["stdout"] = head(read_part(io_out, OUT_CHARS * 4, from_end=False), OUT_CHARS)
    rec["stderr"] = tail(read_part(io_err, ERR_CHARS * 4, from_end=True), ERR_CHARS)
    return rec


def read_part(path: str, limit: int, from_end: bool) -> str:
    with open(path, "rb") as f:
        if from_end:
            f.seek(max(0, os.path.getsize(path) - limit))
        return f.read(limit).decode("utf-8", "replace")


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def read_back(folder: str, names: list) -> dict:
    got = {}
    for name in names or ():
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                got[name] = head(f.read(), FILE_CHARS)
        except OSError:
            got[name] = None
    return got


def cli_case(spec: dict, case: dict, folder: str) -> dict:
    prepare(spec, folder, case.get("files"))
    timeout = float(case.get("timeout") or spec.get("timeout") or 5)
    res = {"id": case["id"], "before": []}
    for step in case.get("before") or ():
        r = run_command(spec, folder, step.get("args") or [], step.get("stdin"), timeout)
        res["before"].append(r)
        if r.get("timed_out") or r.get("error") or r.get("exit") != 0:
            res["stopped"] = "before"  # a setup command failed: the checked command never ran
            return res
    res["run"] = run_command(spec, folder, case.get("args") or [], case.get("stdin"), timeout)
    res["files"] = read_back(folder, case.get("read"))
    return res


# ---------------------------------------------------------------- web API
def own_loopback() -> bool:
    """In a network namespace of its own (bwrap) the only interface is lo; sharing the host's
    network (limits mode), a fixed port could collide with another scoring worker's server."""
    try:
        with open("/proc/net/dev", encoding="ascii") as f:
            names = [line.split(":", 1)[0].strip() for line in f.readlines()[2:]]
    except OSError:
        return False
    return names == ["lo"]


def pick_port() -> int:
    """The fixed port on the sandbox's own loopback, else any free one."""
    for port in ((FIXED_PORT, 0) if own_loopback() else (0,)):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return s.getsockname()[1]
        except OSError:
            continue
        finally:
            s.close()
    return FIXED_PORT


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_server(spec: dict, folder: str) -> tuple[subprocess.Popen | None, dict]:
    server = spec["server"]
    prepare(spec, folder, server.get("files"))
    port = pick_port()
    env = {**child_env(spec, folder), "PORT": str(port), "FLASK_RUN_PORT": str(port)}
    log = open(os.path.join(os.environ.get("TMPDIR") or "/tmp", "server.log"), "w+b")
    info = {"id": "__server__", "port_env": "PORT"}
    try:
        proc = subprocess.Popen(command(spec, server.get("args") or []), cwd=folder, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    except OSError as exc:
        return None, {**info, "status": "error", "error": f"could not start: {exc}"}
    deadline = time.monotonic() + float(server.get("startup") or 15)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            return None, {**info, "status": "exited", "exit": proc.returncode,
                          "output": tail(log.read().decode("utf-8", "replace"), ERR_CHARS * 2)}
        if listening(port):
            info.update(status="listening", port=port)
            proc._evalkit_log = log  # type: ignore[attr-defined]
            return proc, info
        time.sleep(0.05)
    kill_group(proc)
    proc.wait()
    log.seek(0)
    return None, {**info, "status": "never_listened", "waited": float(server.get("startup") or 15),
                  "output": tail(log.read().decode("utf-8", "replace"), ERR_CHARS * 2)}


def send(port: int, req: dict, timeout: float) -> dict:
    method = str(req.get("method") or "GET").upper()
    headers = {str(k): str(v) for k, v in (req.get("headers") or {}).items()}
    body = None
    if "json" in req:
        body = json.dumps(req["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif req.get("body") is not None:
        body = str(req["body"]).encode()
    rec = {"method": method, "path": req.get("path", "/")}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, str(req.get("path") or "/"), body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        rec.update(status=resp.status, content_type=resp.getheader("Content-Type") or "",
                   body=head(data.decode("utf-8", "replace"), BODY_CHARS))
    except (OSError, http.client.HTTPException) as exc:
        rec["error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        conn.close()
    return rec


def new_output(proc: subprocess.Popen) -> str:
    """The server's output since the last call (its log file, read from where we stopped)."""
    log = getattr(proc, "_evalkit_log", None)
    if log is None:
        return ""
    start = getattr(proc, "_evalkit_seen", 0)
    log.flush()
    log.seek(start)
    data = log.read(64 * 1024)
    proc._evalkit_seen = start + len(data)  # type: ignore[attr-defined]
    log.seek(0, os.SEEK_END)
    return data.decode("utf-8", "replace")


def fill(path: str, saved: dict) -> str:
    """`/todos/{first}` with the id the server gave (`save:` of an earlier request)."""
    for name, value in saved.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def keep(saved: dict, req: dict, got: dict) -> None:
    """`save: {first: id}`: remember the answer's JSON `id` under `first` for later paths."""
    try:
        body = json.loads(got.get("body") or "")
    except ValueError:
        return
    for name, key in (req.get("save") or {}).items():
        value = body.get(key) if isinstance(body, dict) else None
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            saved[name] = value


def http_cases(spec: dict, root: str) -> None:
    proc, info = start_server(spec, os.path.join(root, "server"))
    emit(info)
    timeout = float(spec.get("timeout") or 5)
    saved = dict((spec.get("server") or {}).get("vars") or {})  # the prompt's ids until the server gives its own
    for case in spec["cases"]:
        if proc is None:
            emit({"id": case["id"], "stopped": "server"})
            continue
        res = {"id": case["id"], "requests": []}
        for req in case.get("requests") or ():
            got = send(info["port"], {**req, "path": fill(str(req.get("path") or "/"), saved)}, timeout)
            keep(saved, req, got)
            got["saved"] = dict(saved)
            said = new_output(proc)  # what the server printed meanwhile: a 500's traceback
            for _ in range(15 if got.get("status", 0) >= 500 else 0):  # some servers log it after answering
                if "Traceback (most recent call last)" in said:
                    break
                time.sleep(0.02)
                said += new_output(proc)
            if "Traceback (most recent call last)" in said:  # the last traceback, its end kept
                last = said.rsplit("Traceback (most recent call last)", 1)[1]
                got["server_log"] = "Traceback (most recent call last)" + tail(last, ERR_CHARS)
            res["requests"].append(got)
            if proc.poll() is not None:
                res["server_exited"] = proc.returncode
                break
        emit(res)
        if proc.poll() is not None:
            proc = None
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        kill_group(proc)
        proc.wait()


def main() -> None:
    spec_path = sys.argv[1]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    os.remove(spec_path)  # the answer's program never sees the cases
    spec["root"] = os.getcwd()
    root = os.path.join(spec["root"], ".evalkit-cases")
    if spec.get("server"):
        http_cases(spec, root)
    else:
        # cases are independent (each in its own folder): a few at a time, reported in their order
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            futures = [pool.submit(cli_case, spec, case, os.path.join(root, f"case-{i:02d}"))
                       for i, case in enumerate(spec["cases"])]
            for future in futures:
                emit(future.result())
    emit({"id": "__done__"})


if __name__ == "__main__":
    main()
