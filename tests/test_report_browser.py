"""The HTML report in a real headless Chromium: renders, no console errors, hostile output inert."""

from __future__ import annotations

import os

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
