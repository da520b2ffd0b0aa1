"""What a user gets from `pip install evalkit`: the sdist and the wheel built from it hold what they
should, and the wheel alone, in a fresh venv outside this checkout, lists the bundled suites and runs
the demo to the same scores as this (editable) install. A project's own ./prompts and --suites-dir
add to the bundled suites."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
# what never goes into a distribution: VCS, caches, local outputs and stores
NOT_SOURCE = shutil.ignore_patterns(".git", "*.egg-info", "build", "dist", "reports", "__pycache__", "*.pyc",
                                    ".pytest_cache", ".hypothesis", ".evalkit", ".benchmarks", "*.db-wal", "*.db-shm")

SUITE = """suite: {name}
version: 3
description: a project's own suite
tasks:
  - id: {name}_task
    prompt: Write a function double(x) returning 2 * x.
    rubric: {name}
"""
RUBRIC = "features: []\n"


def package_files() -> set[str]:
    """Every file of the package in the source tree (modules and data alike), as wheel paths."""
    root = PROJECT / "evalkit"
    return {f"evalkit/{p.relative_to(root).as_posix()}" for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith((".pyc", ".db-wal", ".db-shm"))}


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> tuple[Path, Path]:
    """(sdist, wheel): the sdist from a clean copy of the tree, the wheel from the sdist (python -m build)."""
    tmp = tmp_path_factory.mktemp("dist")
    src = tmp / "src"
    shutil.copytree(PROJECT, src, ignore=NOT_SOURCE)   # a stale egg-info of the checkout cannot leak in
    r = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp / "out"), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (sdist,) = (tmp / "out").glob("evalkit-*.tar.gz")
    (wheel,) = (tmp / "out").glob("evalkit-*.whl")
    return sdist, wheel


def test_wheel_holds_the_package_and_nothing_build_only(dists):
    names = set(zipfile.ZipFile(dists[1]).namelist())
    missing = package_files() - names
    assert not missing, f"not in the wheel: {sorted(missing)[:10]}"
    for needed in ("evalkit/builtin/prompts/snake.yaml", "evalkit/builtin/rubrics/snake.yaml",
                   "evalkit/report/templates/report.html.j2", "evalkit/data/demo/responses.jsonl",
                   "evalkit/sandboxed/server.py"):
        assert needed in names, needed
    outside = sorted(n for n in names if not n.startswith("evalkit/") and ".dist-info/" not in n)
    assert outside == [], outside                       # no tools/, tests/, docs/ in site-packages
    assert not [n for n in names if "demo_src" in n or n.endswith(".pyc")]


def test_sdist_can_rebuild_the_demo_data(dists, tmp_path):
    with tarfile.open(dists[0]) as tar:
        tar.extractall(tmp_path, filter="data")
    (root,) = tmp_path.iterdir()
    for needed in ("tools/build_demo_data.py", "tools/demo_src/snake/tuned_0.py", "tests/fixtures/stores/v0.db",
                   "docs/metrics.md", "MANIFEST.in", "evalkit/data/demo/responses.jsonl"):
        assert (root / needed).is_file(), needed
    assert not (root / "evalkit" / "data" / "demo" / "src").exists()
    # the build-only sources in the sdist still produce exactly the shipped responses
    r = subprocess.run([sys.executable, str(root / "tools" / "build_demo_data.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "EVALKIT_DB")}
    return {**env, "NO_COLOR": "1", "COLUMNS": "160", **extra}


def scores(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.timeout(900)
def test_the_wheel_alone_runs_suites_and_demo_outside_the_checkout(dists, tmp_path):
    from evalkit.sandbox_env import env_dir

    venv = tmp_path / "venv"
    # a venv with nothing but the wheel and its dependencies (pip of this interpreter installs into it;
    # --no-compile: byte-compiling pandas and scipy would double the time and test nothing of ours)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile",
                        "--disable-pip-version-check", str(dists[1])],
                       capture_output=True, text=True, timeout=600, env=clean_env())
    assert r.returncode == 0, r.stderr[-3000:]

    work = tmp_path / "project"                 # a user's project folder, nowhere near the checkout
    (work / "prompts").mkdir(parents=True)
    (work / "rubrics").mkdir()
    (work / "prompts" / "mine.yaml").write_text(SUITE.format(name="mine"))
    (work / "rubrics" / "mine.yaml").write_text(RUBRIC)
    # the games of the demo import pygame from the sandbox env this machine already has
    env = clean_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                    EVALKIT_SANDBOX_ENV=str(env_dir()))

    where = subprocess.run([str(python), "-c", "import evalkit; print(evalkit.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, timeout=120)
    assert Path(where.stdout.strip()).is_relative_to(venv), where   # the installed copy, not this checkout

    listed = subprocess.run([str(venv / "bin" / "evalkit"), "suites"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stderr
    rows = {line.split("│")[1].strip() for line in listed.stdout.splitlines() if line.count("│") > 2}
    assert {"snake", "seed", "humaneval", "mine"} <= rows, listed.stdout

    # the same demo from the wheel and from this checkout, side by side (2 processes)
    wheel_demo = subprocess.Popen([str(venv / "bin" / "evalkit"), "demo", "--out", str(work / "demo")], cwd=work,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    here = tmp_path / "editable"
    here.mkdir()
    editable = subprocess.run([sys.executable, "-m", "evalkit", "demo", "--out", str(here / "demo")], cwd=here,
                              env=clean_env(PYTHONPATH=str(PROJECT), EVALKIT_SANDBOX_ENV=str(env_dir())),
                              capture_output=True, text=True, timeout=600)
    out, err = wheel_demo.communicate(timeout=600)
    assert wheel_demo.returncode == 0, err[-3000:]
    assert editable.returncode == 0, editable.stderr[-3000:]
    assert "gate PASS" in out and "gate PASS" in editable.stdout
    for name in ("index.html", "summary.md", "results.json", "scores.csv", "gate.md", "junit.xml"):
        assert (work / "demo" / name).is_file(), name
    wheel_scores, editable_scores = scores(work / "demo" / "scores.csv"), scores(here / "demo" / "scores.csv")
    assert len(wheel_scores) > 36 * 7 and wheel_scores == editable_scores
    for name in ("summary.md", "gate.md"):          # the same words too, once the run ids are set aside
        assert without_run_ids(work / "demo" / name) == without_run_ids(here / "demo" / name), name


def without_run_ids(path: Path) -> str:
    return re.sub(r"\b\d{8}-\d{6}-[0-9a-f]{4}\b", "RUN", path.read_text(encoding="utf-8"))


# ---- a project's suites on top of the bundled ones (in-process, fast) ------------------------------------
def write_suite(folder: Path, name: str, rubric_folder: Path | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(SUITE.format(name=name))
    rubric_folder = rubric_folder or folder.parent / "rubrics"
    rubric_folder.mkdir(parents=True, exist_ok=True)
    (rubric_folder / f"{name}.yaml").write_text(RUBRIC)


def test_project_prompts_and_suites_dir_add_to_the_bundled_suites(workdir, cli):
    from evalkit.suites import discover, load_suites

    write_suite(workdir / "prompts", "mine")
    write_suite(workdir / "elsewhere" / "prompts", "theirs")
    found = discover([workdir / "elsewhere" / "prompts"])
    assert {"mine", "theirs", "snake", "seed", "humaneval"} <= set(found)
    assert found["mine"] == Path("prompts") / "mine.yaml"
    (mine,) = load_suites(["mine"])             # its rubric comes from ./rubrics
    assert mine.version == "3" and mine.tasks[0].rubric == {"features": []}

    res = cli("suites", "--suites-dir", workdir / "elsewhere" / "prompts")
    assert res.code == 0, res
    for name in ("mine", "theirs", "snake", "seed", "humaneval"):
        assert f"│ {name} " in res.out, name


def test_a_project_suite_shadows_the_bundled_one_of_the_same_name(workdir):
    from evalkit.suites import load_suites

    bundled = load_suites(["seed"])[0]
    write_suite(workdir / "prompts", "seed")
    (seed,) = load_suites(["seed"])
    assert seed.path == Path("prompts") / "seed.yaml" and seed.version == "3" != bundled.version
    assert [t.id for t in seed.tasks] == ["seed_task"]
