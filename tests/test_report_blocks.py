"""The report shows the code blocks scoring found: spans stored in the code_prose_ratio details give
the same blocks as extracting again, and scores without spans (older evalkit) still render."""

from __future__ import annotations

import pytest

from evalkit.extract import extract
from evalkit.report.code_view import Highlighter, _visible_text, response_segments, stored_blocks
from evalkit.report.evidence import metric_sections
from evalkit.scorers.ratio import block_spans

TEXTS = {
    "plain": "Here is the game.\n\n```python\nimport pygame\n\ndef main():\n    pass\n```\nRun it.\n",
    "two_blocks_and_thinking": ("<think>plan:\n- a snake\n</think>\nIntro\n```py\nx = 1\n```\nthen\n"
                                "```bash\npip install pygame\n```\n"),
    "list_indented_fence": ("1. Install:\n\n      ```bash\n      pip install pygame\n      ```\n"
                            "2. Code:\n\n   ```python\n   def f():\n       return 1\n   ```\n"),
    "indented_code": "Example:\n\n    def f(x):\n        return x + 1\n\n\tprint(f(2))\n\nDone.\n",
    "unclosed": "Start\n```python\ndef g():\n    return 2\n",
    "empty_fences": "a\n```\n```\nb\n```python\n\n```\nc\n",
    "bare": "import os\n\ndef main():\n    print(os.getcwd())\n\nmain()\n",
    "crlf": "Hi\r\n```python\r\nx = 1\r\ny = 2\r\n```\r\nbye\r\n",
    "multi_file": ("Files:\n\n**main.py**\n```python\nfrom game import run\nrun()\n```\n\n"
                   "**game.py**\n```python\ndef run():\n    print('hi')\n```\n\nRun `python main.py`.\n"),
    "tildes_in_backticks": "x\n````python\n```\ninner\n```\n````\n~~~\nplain text\n~~~\n",
}


def _as_shown(text: str, thinking: str | None, ex):
    spans = {"blocks": block_spans(ex), "main_block": ex.main_index}
    visible, _ = _visible_text(text)
    return stored_blocks(spans, visible.split("\n"), text, thinking)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_stored_spans_give_the_blocks_extraction_found(name):
    text, thinking = TEXTS[name], ("provider thoughts" if name == "plain" else None)
    ex = extract(text, thinking, "python", entry_point="main")
    got = _as_shown(text, thinking, ex)
    assert got is not None
    assert [(b.index, b.code, b.language, b.start, b.filename) for b in got.items] == \
        [(i, b.code, b.language, b.start_line, b.filename or "") for i, b in enumerate(ex.blocks)]
    assert got.main_index == ex.main_index and got.thinking == ex.thinking


def test_the_cases_cover_what_extraction_dedents_and_names():
    """Guard for the parametrised test: the texts do exercise indent removal, names and empty blocks."""
    kinds = {b.fence for t in TEXTS.values() for b in extract(t, None, "python").blocks}
    assert {"```", "~~~", "indent", "unclosed", "bare"} <= kinds
    ex = extract(TEXTS["list_indented_fence"], None, "python")
    assert ex.blocks[1].code == "def f():\n    return 1"                      # 3-space fence indent removed
    assert [b.filename for b in extract(TEXTS["multi_file"], None, "python").blocks] == ["main.py", "game.py"]
    assert "" in [b.code for b in extract(TEXTS["empty_fences"], None, "python").blocks]


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_page_segments_are_the_same_from_spans_and_from_extraction(name):
    text = TEXTS[name]
    ex = extract(text, None, "python")
    spans = {"blocks": block_spans(ex), "main_block": ex.main_index, "code_lines": 3}
    err = {"error": {"block": 0, "line": 1, "column": 2, "message": "bad"}}
    for cap in (10_000, 25):  # whole, and cut inside the first block
        a = response_segments(Highlighter(), text, None, "python", err, cap, spans)
        b = response_segments(Highlighter(), text, None, "python", err, cap, None)
        assert a == b


def test_spans_that_do_not_fit_the_text_fall_back_to_extraction():
    text = TEXTS["plain"]
    bad = {"blocks": [{"index": 0, "language": "python", "fence": "```", "start_line": 3, "end_line": 99}],
           "main_block": 0}
    segs, _ = response_segments(Highlighter(), text, None, "python", None, 10_000, bad)
    code = [s for s in segs if s["kind"] == "code"]
    assert len(code) == 1 and code[0]["start"] == 4 and code[0]["lines"] == 4


def test_spans_decide_which_block_the_page_calls_main():
    """Scoring chose the main program with the task's entry point; the page follows it, not a guess."""
    text = "```python\ndef helper():\n    return 1\n```\n```python\nprint('usage')\nprint('more usage')\n```\n"
    ex = extract(text, None, "python")
    spans = {"blocks": block_spans(ex), "main_block": 1}
    segs, _ = response_segments(Highlighter(), text, None, "python", None, 10_000, spans)
    assert [s["main"] for s in segs if s["kind"] == "code"] == [False, True]


def test_spans_are_not_listed_as_ratio_details():
    ex = extract(TEXTS["plain"], None, "python")
    secs = metric_sections({"code_prose_ratio": {"value": 2.0, "details": {
        "code_lines": 4, "prose_lines": 2, "blocks": block_spans(ex), "main_block": 0}}})
    keys = [i["key"] for i in secs[0]["items"]]
    assert keys == ["code lines", "prose lines"]
