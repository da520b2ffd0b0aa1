"""Shared fixtures: a loopback model server, an isolated working folder, and the CLI in-process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
MINI_SUITES = TESTS_DIR / "data" / "suites"
sys.path.insert(0, str(TESTS_DIR))

from fake_server import FakeModelServer  # noqa: E402


@pytest.fixture
def server():
    with FakeModelServer() as srv:
        yield srv


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Run in a fresh folder with no model-server variables leaking in from the machine."""
    monkeypatch.chdir(tmp_path)
    for var in ("OLLAMA_HOST", "OPENAI_BASE_URL", "OPENAI_API_KEY", "EVALKIT_DB"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def __repr__(self):
        return f"CliResult(code={self.code}, out={self.out[-400:]!r}, err={self.err[-400:]!r})"


@pytest.fixture
def cli(capsys):
    """Call `evalkit ...` in-process; returns exit code and captured output."""
    from evalkit.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def demo_responses(folder: Path, task_ids=None) -> Path:
    """The bundled demo responses of the snake and seed suites only (the demo also holds the apps
    suite), written to folder/demo.jsonl: for tests that score with `--suite snake,seed`."""
    import json

    from evalkit.paths import DEMO_DIR
    from evalkit.suites import load_suites

    wanted = set(task_ids or (t.id for s in load_suites(["snake", "seed"]) for t in s.tasks))
    lines = (DEMO_DIR / "responses.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    out = Path(folder) / "demo.jsonl"
    out.write_text("".join(line for line in lines if json.loads(line)["task_id"] in wanted), encoding="utf-8")
    return out


def write_config(path: Path, server: FakeModelServer, **extra_models) -> Path:
    import yaml

    models = {
        "base": {"provider": "ollama", "model": "qwen3-vl:8b", "base_url": server.url},
        "tuned": {"provider": "openai", "model": "tuned", "base_url": server.url + "/v1",
                  "params": {"temperature": 0.2, "max_tokens": 256}},
    }
    models.update(extra_models)
    path.write_text(yaml.safe_dump({"models": models, "run": {"suites_dir": [str(MINI_SUITES)], "suites": ["mini"]}}))
    return path
