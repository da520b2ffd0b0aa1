"""The HTML report in a real headless Chromium: renders, no console errors, hostile output inert."""

from __future__ import annotations

import os
import re

import pytest

from evalkit.report import write_reports
from test_report import make_run

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed at /usr/bin/chromium "
                                                             "(apt-get install chromium); CI installs it"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def test_report_in_headless_chromium(tmp_path, browser):
    store = make_run(tmp_path)
    out = write_reports(store, "run-1", tmp_path / "rep")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((out / "index.html").resolve().as_uri())
    page.wait_for_load_state("load")

    # hostile output is text: the title is ours, no injected element exists
    assert page.title().startswith("evalkit")
    assert "pwned" not in page.title()
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1
    assert not [u for u in requests if not u.startswith("file://")], requests

    # the summary table and both models are visible
    table = page.locator("#rollup-table")
    assert table.is_visible()
    head = table.locator("thead").inner_text()
    assert "base" in head and "tuned" in head
    assert "Feature completeness" in table.inner_text()
    assert page.locator("#metric-table").is_visible()

    # interactivity: expand all opens the side-by-side views; the hostile text shows as text
    page.click("#expand")
    pair = page.locator("details.pair").first
    assert pair.evaluate("d => d.open")
    panel = pair.locator('.panel[data-model="base"]')
    assert panel.is_visible() and pair.locator('.panel[data-model="tuned"]').is_visible()
    assert "<script>document.title='pwned'</script>" in panel.inner_text()
    assert page.locator("pre.code .l.err").first.is_visible()
    assert "pwned" not in page.title()

    # the filter hides tasks that do not match
    page.fill("#taskfilter", "no-such-task")
    assert page.locator("section.task").first.is_hidden()
    page.fill("#taskfilter", "")
    assert page.locator("section.task").first.is_visible()

    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    page.fill("#taskfilter", "")
    page.click("#collapse")
    page.screenshot(path=str(tmp_path / "summary.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert problems == [], problems
    page.close()


def test_print_layout_has_no_errors(tmp_path, browser):
    store = make_run(tmp_path, hostile=False)
    out = write_reports(store, "run-1", tmp_path / "rep")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / "index.html").resolve().as_uri())
    page.emulate_media(media="print")
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert len(pdf) > 5_000 and errors == []
    page.close()


NUMBER = re.compile(r"[−+-]?\d+(\.\d+)?(:1)?")


def open_report(browser, path, problems):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page


def assert_filled(table) -> None:
    """A visible table whose numeric cells hold numbers, not only n/a."""
    assert table.is_visible()
    cells = [c.strip() for c in table.locator("td.num").all_inner_texts()]
    numbers = [c for c in cells if NUMBER.match(c)]
    empty = [c for c in cells if c in ("n/a", "—", "")]
    assert numbers and len(empty) <= len(cells) / 4, cells


def visible_panels(pair):
    """The panels shown, left to right as a reader sees them."""
    shown = [p for p in pair.locator(".panel").all() if p.is_visible()]
    return sorted(shown, key=lambda p: p.bounding_box()["x"])


@pytest.mark.parametrize("n", [1, 2, 10])
def test_one_two_and_ten_models_are_readable(tmp_path, browser, n):
    from test_report import make_models_run

    store, names = make_models_run(tmp_path, n)
    out = write_reports(store, "run-1", tmp_path / "rep")
    problems: list[str] = []
    page = open_report(browser, out / "index.html", problems)

    for sel in ["#rollup-table", "#metric-table", "#passk-table", "table.tmeans"] + (["#leaderboard-table"] if n > 2 else []):
        assert_filled(page.locator(sel).first)
    if n == 1:
        assert page.locator("#solo-note").is_visible() and page.locator("#leaderboard-table").count() == 0
        assert "Δ" not in page.locator("#summary").inner_text() + page.locator("#metrics").inner_text()
        assert page.locator("#onlydiff").is_hidden() and page.locator("details.pair .tag").count() == 0
    if n > 2:
        board = page.locator("#leaderboard-table")
        assert board.locator("tbody tr").count() == n
        assert board.locator("tbody tr").nth(1).locator(".delta").count() >= 5   # a change per main metric
        # ranking by a metric: best first, then back to the user's order
        board.locator("th.sort", has_text="quality").click()
        means = [float(t.split()[0]) for t in board.locator("tbody tr td:nth-child(7) div:first-child").all_inner_texts()]
        assert means == sorted(means, reverse=True) and len(means) == n
        board.locator("th.sort", has_text="quality").click()
        assert board.locator("tbody tr").first.get_attribute("data-model") == "base"
    page.screenshot(path=str(tmp_path / f"summary-{n}.png"), full_page=False)

    page.click("#expand")
    pair = page.locator("details.pair").first
    assert pair.evaluate("d => d.open")
    panels = visible_panels(pair)
    assert [p.get_attribute("data-model") for p in panels] == names[:2]
    for p in panels:
        assert p.bounding_box()["width"] >= 300                          # no 50 px columns
    code_line = panels[0].locator("pre.code .l").nth(3)
    assert code_line.bounding_box()["height"] < 30                        # a code line is one line, not wrapped
    if n == 10:
        page.select_option("#left-model", "3")
        page.select_option("#right-model", "9")
        panels = visible_panels(pair)
        assert [p.get_attribute("data-model") for p in panels] == [names[3], names[9]]
        assert all(p.bounding_box()["width"] >= 300 for p in panels)
        assert "granite-8b-<b>code</b>" in panels[1].locator("h4").inner_text()   # a name is text
        # the "models differ" filter follows the chosen pair
        sig = [p.get_attribute("data-sig") for p in panels]
        assert pair.get_attribute("data-differs") == ("1" if sig[0] != sig[1] else "0")
        page.select_option("#right-model", "3")                             # same model both sides: one panel
        assert [p.get_attribute("data-model") for p in visible_panels(pair)] == [names[3]]
        page.select_option("#right-model", "1")
        assert [p.get_attribute("data-model") for p in visible_panels(pair)] == [names[3], names[1]]
    pair.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -70)")        # the sticky toolbar covers the top otherwise
    page.screenshot(path=str(tmp_path / f"side-by-side-{n}.png"), full_page=False)
    page.click("#collapse")
    page.locator("section.task").first.screenshot(path=str(tmp_path / f"task-{n}.png"))
    page.screenshot(path=str(tmp_path / f"report-{n}.png"), full_page=True)
    assert (tmp_path / f"report-{n}.png").stat().st_size > 20_000
    assert problems == [], problems
    page.close()
