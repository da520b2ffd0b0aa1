"""Multi-file answers: file names from the answer, the entry file, per-file syntax and quality,
features over the whole program, crashes located in the right file, and isolation of file names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evalkit import sandbox_env
from evalkit.extract import extract
from evalkit.sandbox import Job, Sandbox
from evalkit.sandboxed import server
from evalkit.scorers import score_response
from evalkit.suites import load_suites

HERE = Path(__file__).resolve().parent
needs_env = pytest.mark.skipif(sandbox_env.ready_dir() is None, reason="run `evalkit setup-sandbox` first")


@pytest.fixture(scope="module")
def snake_task():
    return load_suites(["snake"])[0].tasks[0]


def single_file_answer() -> tuple[str, str, str]:
    """(prose before, the code, prose after) of a realistic one-file Snake answer."""
    text = (HERE / "fixtures" / "responses" / "snake_tuned.md").read_text()
    before, rest = text.split("```python\n", 1)
    code, after = rest.split("\n```", 1)
    return before, code, after


def three_files(code: str) -> dict[str, str]:
    """The same game split the way chat answers split it: settings, game logic, entry point."""
    head, rest = code.split("\n\nclass Game:", 1)
    game_body, main_part = rest.split("\n\nKEYS = ", 1)
    settings = head.replace("import random\nimport sys\n\nimport pygame\n\n", "")
    return {
        "config.py": settings + "\n",
        "game.py": "import random\n\nimport pygame\n\nfrom config import *\n\n\nclass Game:" + game_body + "\n",
        "main.py": "import sys\n\nimport pygame\n\nfrom config import WIDTH, HEIGHT\nfrom game import Game\n\n"
                   "KEYS = " + main_part + "\n",
    }


def as_answer(files: dict[str, str], before: str = "", after: str = "") -> str:
    styles = ["**{}**\n", "### {}\n\nThe main game logic.\n\n", "{}:\n"]  # three ways answers name files
    parts = [before]
    for style, (name, code) in zip(styles, files.items()):
        parts.append(style.format(name) + "```python\n" + code + "```\n")
    parts.append("Run it with:\n\n```bash\npython main.py\n```\n" + after)
    return "\n".join(parts)


def metrics(scores) -> dict:
    return {s.metric: s for s in scores}


# ---------------------------------------------------------------- names and entry point
@pytest.mark.parametrize("text, name", [
    ("**game.py**\n```python\nx = 1\n```", "game.py"),
    ("### `game.py`\n\n```python\nx = 1\n```", "game.py"),
    ("game.py:\n```python\nx = 1\n```", "game.py"),
    ("game.py\n```python\nx = 1\n```", "game.py"),
    ("**Filename:** `game.py`\n```python\nx = 1\n```", "game.py"),
    ("#### 📄 `game.py`\n```python\nx = 1\n```", "game.py"),
    ("### 2. The game logic (`game.py`)\n\n```python\nx = 1\n```", "game.py"),
    ("**`__init__.py`**\n```python\nx = 1\n```", "__init__.py"),
    ("1. **`snake/game.py`** - the rules:\n```python\nx = 1\n```", "snake/game.py"),
    ("Create a file called `game.py` with the following content:\n\n```python\nx = 1\n```", "game.py"),
    ("```python\n# file: game.py\nx = 1\n```", "game.py"),
    ("```python\n#!/usr/bin/env python3\n# game.py\nx = 1\n```", "game.py"),
    ("```python\n## game.py\n\nx = 1\n```", "game.py"),  # how MetaGPT opens every file
    ('```python\n"""\ngame.py - the rules.\n\nRun with python main.py\n"""\nx = 1\n```', "game.py"),
    ('```python title="game.py"\nx = 1\n```', "game.py"),
    ("```python:game.py\nx = 1\n```", "game.py"),
    ("```game.py\nx = 1\n```", "game.py"),
])
def test_each_common_way_of_naming_a_file(text, name):
    ex = extract(text, language_hint="python")
    assert ex.blocks[0].filename == name and ex.files == {name: 0} and ex.blocks[0].language == "python"


@pytest.mark.parametrize("text", [
    "Run it with `python snake.py`:\n```bash\npython snake.py\n```",       # a command, not a file
    "It saves the best score to `highscore.txt`:\n```python\nx = 1\n```",  # a data file, a Python block
    "`main.py` imports `game.py`:\n```python\nx = 1\n```",                 # two names: which one?
    "**../evil.py**\n```python\nx = 1\n```",
    "**/etc/evil.py**\n```python\nx = 1\n```",
    '```python title="C:\\\\evil.py"\nx = 1\n```',
    "```python\n# file: a/../../evil.py\nx = 1\n```",
    "Here is the code:\n```python\nx = 1\n```",
])
def test_what_is_not_a_file_name(text):
    ex = extract(text, language_hint="python")
    assert all(b.filename is None for b in ex.blocks) and ex.files == {}


def test_entry_is_the_file_the_prose_runs_else_the_main_guard_not_imported_by_others():
    files = {"app.py": "from game import run\nif __name__ == '__main__':\n    run()\n",
             "game.py": "def run():\n    pass\n\nif __name__ == '__main__':\n    run()\n" + "x = 1\n" * 20}
    guarded = as_answer(files).replace("python main.py", "the app")
    ex = extract(guarded, language_hint="python")
    assert ex.main.filename == "app.py"  # game.py is bigger and guarded too, but app.py imports it
    assert "__main__" in ex.main_reason
    told = extract(guarded + "\nStart it with `python game.py`.", language_hint="python")
    assert told.main.filename == "game.py" and "says to run" in told.main_reason


def test_a_metagpt_answer_runs_its_main_file_not_the_biggest_block():
    # every file opens with "## name.py" and no prose names them: main.py is two lines beside a
    # big game.py, and it is the entry (running game.py alone only defines a class and exits)
    game = "## game.py\n\nclass Game:\n" + "".join(f"    def m{i}(self):\n        return {i}\n" for i in range(20))
    main = "## main.py\n\nfrom game import Game\n\nif __name__ == '__main__':\n    print(Game().m3())\n"
    ex = extract(f"```python\n{main}```\n\n```python\n{game}```\n", language_hint="python")
    assert set(ex.files) == {"main.py", "game.py"} and ex.main.filename == "main.py"


def test_a_test_file_with_its_own_main_guard_is_not_the_entry():
    test = "import unittest\nfrom game import run\n" + "X = 1\n" * 30 + \
        "class T(unittest.TestCase):\n    def test_run(self):\n        run()\n\n" \
        "if __name__ == '__main__':\n    unittest.main()\n"
    files = {"app.py": "from game import run\n\nif __name__ == '__main__':\n    run()\n",
             "game.py": "def run():\n    print('running')\n", "test_game.py": test}
    ex = extract(as_answer(files).replace("python main.py", "the app"), language_hint="python")
    assert ex.main.filename == "app.py"


def test_a_shared_project_folder_is_the_folder_the_program_runs_from():
    text = "**snake_game/config.py**\n```python\nW = 1\n```\n**snake_game/main.py**\n```python\n" \
           "from config import W\nif __name__ == '__main__':\n    print(W)\n```"
    ex = extract(text, language_hint="python")
    assert set(ex.files) == {"config.py", "main.py"} and ex.main.filename == "main.py"


def package_answer(run: str) -> str:
    """A terminal tool split into a package whose files import each other relatively, and the
    command the answer gives to run it (the way Warp/Codex-style answers lay out a CLI)."""
    return ("### tools/__init__.py\n```python\nfrom .core import greet\n```\n\n"
            "### tools/core.py\n```python\ndef greet(name):\n    return 'hello ' + name\n```\n\n"
            "### tools/cli.py\n```python\nfrom .core import greet\nfrom . import greet as again\n\n"
            "def main():\n    print(greet('world'), again is greet)\n\n"
            "if __name__ == '__main__':\n    main()\n```\n\n"
            f"Run it from the folder above `tools/`:\n\n```bash\n{run}\n```\n")


def test_a_package_run_with_python_dash_m_keeps_its_folder_and_runs_as_a_module():
    ex = extract(package_answer("python -m tools.cli"), language_hint="python")
    assert set(ex.files) == {"tools/__init__.py", "tools/core.py", "tools/cli.py"}  # not flattened
    assert ex.main.filename == "tools/cli.py" and ex.run_as_module
    task = load_suites(["snake"])[0].tasks[0]
    task = type(task)(id="cli", suite="t", prompt="", language="python")
    from evalkit.scorers import execution

    scores, art = execution.run(task, ex)
    d = metrics(scores)["runs_ok"].details
    assert metrics(scores)["runs_ok"].value == 1.0, d["reason"]
    assert d["stdout"].strip() == "hello world True" and d["run_as"] == "python -m tools.cli"


def test_python_dash_m_on_a_package_runs_its_dunder_main():
    text = package_answer("python -m tools").replace("### tools/cli.py", "### tools/__main__.py")
    ex = extract(text, language_hint="python")
    assert ex.main.filename == "tools/__main__.py" and ex.run_as_module
    task = type(load_suites(["snake"])[0].tasks[0])(id="cli", suite="t", prompt="", language="python")
    from evalkit.scorers import execution

    scores, _ = execution.run(task, ex)
    d = metrics(scores)["runs_ok"].details
    assert metrics(scores)["runs_ok"].value == 1.0 and d["stdout"].strip() == "hello world True"
    assert d["run_as"] == "python -m tools"


def test_importing_its_own_folder_by_a_name_that_does_not_reach_it_is_a_crash_not_a_missing_dependency():
    # `from snake_game.config import SIZE` in snake_game/main.py, run as `python snake_game/main.py`:
    # Python looks for snake_game inside snake_game/ -- the answer's bug, not a package to install
    text = ("**snake_game/config.py**\n```python\nSIZE = 3\n```\n**snake_game/main.py**\n```python\n"
            "from snake_game.config import SIZE\nimport requests_oauthlib\n\nif __name__ == '__main__':\n"
            "    print(SIZE)\n```\nRun `python snake_game/main.py`.\n")
    task = type(load_suites(["snake"])[0].tasks[0])(id="cli", suite="t", prompt="", language="python")
    from evalkit.scorers import execution

    scores, _ = execution.run(task, extract(text, language_hint="python"))
    d = metrics(scores)["runs_ok"].details
    assert metrics(scores)["runs_ok"].value == 0.0 and d["status"] == "crashed"
    assert d["where"] == "snake_game/main.py:1" and "No module named 'snake_game'" in d["reason"]
    # a library the sandbox lacks is still not judged
    lib = text.replace("from snake_game.config import SIZE\n", "SIZE = 3\n")
    scores, _ = execution.run(task, extract(lib, language_hint="python"))
    assert metrics(scores)["runs_ok"].value is None
    assert metrics(scores)["runs_ok"].details["status"] == "missing_dependency"


def test_a_package_file_run_as_a_plain_file_fails_its_relative_import_as_python_would():
    ex = extract(package_answer("python tools/cli.py"), language_hint="python")
    assert ex.main.filename == "tools/cli.py" and not ex.run_as_module
    task = type(load_suites(["snake"])[0].tasks[0])(id="cli", suite="t", prompt="", language="python")
    from evalkit.scorers import execution

    scores, _ = execution.run(task, ex)
    d = metrics(scores)["runs_ok"].details
    assert metrics(scores)["runs_ok"].value == 0.0 and d["exception_type"] == "ImportError"
    assert "relative import" in d["exception_message"]


def test_readme_setup_commands_with_placeholders_are_no_syntax_error(snake_task):
    # agent-written answers open with README steps: `git clone <repository-url>` is a blank to
    # fill in, not a broken program; a real shell error in a command block still counts
    files = {"main.py": "print('hi')\n", "util.py": "X = 1\n"}
    readme = "1. Clone it:\n   ```bash\n   git clone <repository-url>\n   cd <project directory>\n   ```\n\n"
    ok = metrics(score_response(snake_task, readme + as_answer(files), execute=False))["syntax_ok"]
    assert ok.value == 1.0 and "placeholders" in ok.details["blocks"][0]["note"]
    broken = readme.replace("cd <project directory>", "if [ -d x ; then")
    bad = metrics(score_response(snake_task, broken + as_answer(files), execute=False))["syntax_ok"]
    assert bad.value == 0.0 and bad.details["error"]["block"] == 0


def test_requirements_are_noted_and_the_revised_file_replaces_the_first():
    text = ("**requirements.txt**\n```\npygame==2.5.2\n```\n**game.py**\n```python\nx = 1\n```\n"
            "Updated **game.py**:\n```python\nx = 2\ny = 3\n```\n")
    ex = extract(text, language_hint="python")
    assert ex.requirements == ["pygame==2.5.2"] and ex.blocks[0].language == "text"
    assert ex.files["game.py"] == 2


# ---------------------------------------------------------------- scoring a three-file Snake
@needs_env
def test_three_file_snake_runs_and_features_are_scored_over_all_files(snake_task):
    before, code, after = single_file_answer()
    single = metrics(score_response(snake_task, before + "```python\n" + code + "\n```" + after))
    multi = metrics(score_response(snake_task, as_answer(three_files(code), before, after)))

    run = multi["runs_ok"]
    assert run.value == 1.0, run.details
    assert run.details["entry"] == "main.py" and set(run.details["files"]) == {"main.py", "config.py", "game.py"}
    assert multi["syntax_ok"].value == 1.0
    # the rubric sees every file: the split changes nothing it can find
    assert single["feature_completeness"].value >= 0.5
    assert multi["feature_completeness"].value == single["feature_completeness"].value
    evidence = [e for f in multi["feature_completeness"].details["features"] for e in f["evidence"]]
    assert {"game.py", "config.py"} <= {e.get("file") for e in evidence}
    where = {e["where"] for e in evidence if e.get("file") == "config.py"}
    cfg_lines = three_files(code)["config.py"].split("\n")
    for w in where:  # file:line points at the right line of that file
        line = int(w.split(":")[1])
        assert 1 <= line <= len(cfg_lines)
        hit = next(e for e in evidence if e.get("where") == w)
        assert cfg_lines[line - 1].strip() == hit["text"].strip()
    assert multi["claim_consistency"].value == single["claim_consistency"].value
    assert {f["file"] for f in multi["quality"].details["files"]} == {"main.py", "config.py", "game.py"}


@needs_env
def test_syntax_error_in_a_non_entry_file_names_that_file(snake_task):
    _, code, _ = single_file_answer()
    files = three_files(code)
    files["game.py"] = files["game.py"].replace("    def step(self):", "    def step(self)")
    line = files["game.py"].split("\n").index("    def step(self)") + 1
    m = metrics(score_response(snake_task, as_answer(files)))
    err = m["syntax_ok"].details["error"]
    assert m["syntax_ok"].value == 0.0 and err["file"] == "game.py" and err["line"] == line
    assert err["where"] == f"game.py:{line}"
    assert m["quality"].value == 0.0 and m["quality"].details["file"] == "game.py"
    run = m["runs_ok"].details  # main.py imports game.py, which does not compile
    assert m["runs_ok"].value == 0.0 and run["status"] == "syntax_error"
    assert run["exception_file"] == "game.py" and run["lineno"] == line


@needs_env
def test_cross_file_name_error_is_a_crash_at_the_right_file_and_line(snake_task):
    _, code, _ = single_file_answer()
    files = three_files(code)
    # BASE_FPS moves from config.py to main.py, but game.py still uses it
    files["config.py"] = files["config.py"].replace("BASE_FPS = 10\n", "")
    files["main.py"] = files["main.py"].replace("KEYS = ", "BASE_FPS = 10\n\nKEYS = ", 1)
    line = next(i for i, ln in enumerate(files["game.py"].split("\n"), 1) if "return BASE_FPS\n" in ln + "\n")
    m = metrics(score_response(snake_task, as_answer(files)))
    d = m["runs_ok"].details
    assert m["runs_ok"].value == 0.0 and d["status"] == "crashed"
    assert d["exception_type"] == "NameError" and "BASE_FPS" in d["exception_message"]
    assert d["exception_file"] == "game.py" and d["lineno"] == line and d["where"] == f"game.py:{line}"
    assert m["syntax_ok"].value == 1.0


# ---------------------------------------------------------------- isolation
def test_runner_writes_named_files_only_inside_the_work_folder(tmp_path):
    work = tmp_path / "work"
    outside = tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    os.symlink(outside, work / "link")  # a planted link must not lead a write out
    os.symlink(outside / "target.py", work / "linked.py")
    files = {"../x.py": "1", "/etc/x": "1", "a/../../y.py": "1", "link/z.py": "1", "linked.py": "1",
             "bad\x00.py": "1", "ctl\n.py": "1", "": "1", "sub/ok.py": "ok", "dup": "1", "dup/inner.py": "1"}
    refused = server._write_files(str(work), {"files": files, "filename": "main.py", "source": "main"})
    assert list(outside.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["outside", "work"]
    assert (work / "sub" / "ok.py").read_text() == "ok" and (work / "main.py").read_text() == "main"
    assert set(refused) == {"../x.py", "/etc/x", "a/../../y.py", "link/z.py", "linked.py", "bad\x00.py",
                            "ctl\n.py", "", "dup/inner.py"}


@needs_env
@pytest.mark.parametrize("mode", ["auto", "limits"])
def test_odd_file_names_from_an_answer_never_land_outside_the_sandbox_folder(mode):
    probe = ("import os\nhere = os.getcwd()\n"
             "print(sorted(os.listdir(here)), os.path.exists(os.path.join(os.path.dirname(here), 'x.py')),"
             " os.path.exists('/etc/x'))\n")
    files = (("../x.py", "print('escaped')"), ("/etc/x", "owned"), ("helper.py", "VALUE = 1"))
    with Sandbox(mode) as sb:
        out = sb.run(Job(source=probe, filename="main.py", files=files, timeout=10))
    assert out.status == "ok", out
    assert out.stdout.strip() == "['helper.py', 'main.py'] False False"
    assert set(out.refused_files) == {"../x.py", "/etc/x"}
