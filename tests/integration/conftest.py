"""Fixtures for the integration tier: a real llama.cpp OpenAI-compatible server on loopback.

The server is `python -m llama_cpp.server` from llama-cpp-python, started with its default settings
(what users run; only the context is smaller, see N_CTX), serving a tiny random-weight model that tools/make_tiny_gguf.py generates at
fixture time. Every test here is marked `integration`; they skip only when `llama_cpp` cannot be
imported (the `[llama]` extra is not installed).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO / "tools" / "make_tiny_gguf.py"
ALIAS = "tiny"
START_TIMEOUT_S = 60.0
# Small context: the tiny model rarely says end-of-sequence, so a request without max_tokens
# (e.g. `--models openai:tiny`) runs until the context is full; 512 keeps that under a second.
N_CTX = 512
SKIP_REASON = (
    "llama_cpp is not importable: install the integration extra, e.g. "
    "CMAKE_ARGS='-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF' pip install 'llama-cpp-python[server]' gguf"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LlamaServer:
    """One `python -m llama_cpp.server` process we started; stop() ends that process and nothing else."""

    model: Path
    port: int
    log: Path
    proc: subprocess.Popen | None = None
    _log_offset: int = field(default=0, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LlamaServer:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model),
               "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(self.port),
               "--n_ctx", str(N_CTX)]
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            # own session, so a stray child could never outlive stop(); the env carries no API keys
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=_server_env(), start_new_session=True)
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                r = httpx.get(self.base_url + "/models", timeout=2.0)
                if r.status_code == 200 and any(m["id"] == ALIAS for m in r.json()["data"]):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"llama.cpp server did not answer /v1/models within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, *, crash: bool = False) -> None:
        """Terminate (or, with crash=True, SIGKILL) our server process group and reap it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        sig = signal.SIGKILL if crash else signal.SIGTERM
        try:
            os.killpg(self.proc.pid, sig)  # the group we created with start_new_session
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

    def log_text(self, since_start: bool = True) -> str:
        data = self.log.read_bytes()
        return data[self._log_offset:].decode("utf-8", "replace") if since_start else data.decode("utf-8", "replace")

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_text(since_start=False).splitlines()[-n:])

    def chat_requests(self) -> int:
        """POST /v1/chat/completions the server logged since the last start (uvicorn access log)."""
        return len(re.findall(r'"POST /v1/chat/completions HTTP/1\.[01]"', self.log_text()))

    def mark(self) -> None:
        """Count requests from here on (chat_requests() forgets what was logged before)."""
        self._log_offset = self.log.stat().st_size


def _server_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EVALKIT_"))}
    env["PYTHONUNBUFFERED"] = "1"  # access-log lines reach the file as they happen
    return env


@pytest.fixture(scope="session")
def llama_available():
    pytest.importorskip("llama_cpp", reason=SKIP_REASON)


@pytest.fixture(scope="session")
def tiny_model(llama_available, tmp_path_factory) -> Path:
    """The generated model (a fresh file each session; never a committed binary)."""
    out = tmp_path_factory.mktemp("model") / "tiny.gguf"
    subprocess.run([sys.executable, str(GENERATOR), str(out), "--seed", "0"], check=True,
                   capture_output=True, timeout=60)
    return out


def _start(model: Path, logdir: Path) -> LlamaServer:
    last: Exception | None = None
    for _ in range(3):  # a free port can be taken between probing and binding; try another
        server = LlamaServer(model, free_port(), logdir / "server.log")
        try:
            return server.start()
        except RuntimeError as exc:
            last = exc
            server.stop()
    raise last  # type: ignore[misc]


@pytest.fixture(scope="session")
def llama_server(tiny_model, tmp_path_factory):
    """A server shared by the tests that leave it running."""
    server = _start(tiny_model, tmp_path_factory.mktemp("llama"))
    yield server
    server.stop()


@pytest.fixture
def own_llama_server(tiny_model, tmp_path):
    """A server for one test that stops (or crashes) it on purpose."""
    server = _start(tiny_model, tmp_path)
    yield server
    server.stop()


# ---- a suite of our own: small prompts, counts that do not move when prompts/ changes -----------

SUITE = "itest"
SUITE_YAML = """\
suite: itest
version: 1
description: Small prompts for the llama.cpp integration tier.
tasks:
  - id: add
    language: python
    entry_point: add
    prompt: |
      Write a Python function `add(a, b)` that returns the sum of a and b.
      Reply with the function in one Python code block.
    tests:
      - assert add(1, 2) == 3
      - assert add(-1, 1) == 0
  - id: explain
    system: You are a terse assistant.
    prompt: Explain in two sentences what a linked list is, then show one in Python.
  - id: clamp
    language: javascript
    prompt: Write a JavaScript function clamp(x, lo, hi) and say which edge cases it handles.
"""


@pytest.fixture(scope="session")
def suite_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("suites")
    (d / f"{SUITE}.yaml").write_text(SUITE_YAML)
    return d


@pytest.fixture(scope="session")
def suite_tasks(suite_dir):
    from evalkit.suites import parse_suite

    return parse_suite(suite_dir / f"{SUITE}.yaml", []).tasks


# ---- running evalkit as users do -----------------------------------------------------------------

@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def evalkit_cmd() -> list[str]:
    exe = shutil.which("evalkit")
    if exe:
        return [exe]
    return [sys.executable, "-c", "import sys; from evalkit.cli import main; sys.exit(main())"]


def evalkit_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EVALKIT_"))}
    env.update(extra)
    return env


@pytest.fixture
def run_evalkit(tmp_path):
    """Run the `evalkit` command in tmp_path (so ./.evalkit and reports/ land there)."""

    def run(*args: str, env: dict | None = None, timeout: float = 240) -> Result:
        p = subprocess.run([*evalkit_cmd(), *args], check=False, cwd=tmp_path, env=env or evalkit_env(),
                           capture_output=True, text=True, timeout=timeout)
        return Result(p.returncode, p.stdout, p.stderr)

    return run


def write_config(path: Path, models: dict) -> Path:
    """evalkit.yaml with the given model aliases (dicts of provider/model/base_url/stream/params)."""
    import yaml

    path.write_text(yaml.safe_dump({"models": models}, sort_keys=False))
    return path


def db_rows(db: Path, sql: str, *args) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()
