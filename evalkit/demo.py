"""`evalkit demo`: the whole pipeline on bundled sample responses, no model server needed.

The responses in evalkit/data/demo/responses.jsonl are illustrative responses written for the demo
(sources in tools/demo_src/, built by tools/build_demo_data.py), not outputs of real models:
a "base" set with the defects users report (a crash on ``self.current_item.get("speed")`` where the
item is a string, movement by ``self.speed`` instead of the cell size, an Ice Shield claimed but
never checked, items spawned but never awarded, 100 lines of markdown around the code) and a
"tuned" set without them. 3 samples per task per model.
"""

from __future__ import annotations

from pathlib import Path

from .errors import EvalkitError
from .paths import DEMO_DIR

DEMO_SUITES = ("snake", "seed")
ILLUSTRATIVE = ("Illustrative responses written for the evalkit demo, not outputs of real models.")


def responses_path() -> Path:
    path = DEMO_DIR / "responses.jsonl"
    if not path.is_file():
        raise EvalkitError(f"demo data missing at {path}; reinstall evalkit or run python tools/build_demo_data.py")
    return path


def run_demo(out_dir: str | None, db_path: str | None, *, execute: bool = True, sandbox_mode: str = "auto",
             workers: int | None = None, progress: bool = True) -> int:
    """Import, score, compare, report and gate the demo responses; print where the report is."""
    from rich.console import Console

    from . import pipeline
    from .gate import gate, verdict_text
    from .report import run_comparison, write_reports
    from .report.junit import gate_junit
    from .report.markdown import gate_markdown
    from .report.terminal import summary_table
    from .sandbox import isolation_level
    from .store import Store
    from .suites import load_suites

    path = responses_path()
    out = Path(out_dir) if out_dir else Path("reports") / "demo"
    if db_path is None:
        # a fresh store inside the report folder: the demo never mixes into the user's runs, and
        # `evalkit report --db reports/demo/demo.db` can render it again
        out.mkdir(parents=True, exist_ok=True)
        db_path = str(out / "demo.db")
        for suffix in ("", "-wal", "-shm"):
            Path(db_path + suffix).unlink(missing_ok=True)
    store = Store(db_path)
    try:
        run_id = pipeline.import_responses(store, path, DEMO_SUITES)
        run = store.get_run(run_id) or {}
        store.update_run(run_id, config_json={**(run.get("config") or {}), "demo": True,
                                              "note": ILLUSTRATIVE})
        store.update_run(run_id, sandbox=isolation_level(sandbox_mode) if execute else "not executed")
        suites = load_suites(DEMO_SUITES)
        pipeline.score_run(store, run_id, suites, execute=execute, sandbox_mode=sandbox_mode,
                           workers=workers, progress=progress)
        comparison = run_comparison(store, run_id, "base", "tuned")
        write_reports(store, run_id, out, baseline="base", candidate="tuned", comparison=comparison)
        console = Console()
        console.print(summary_table(store, run_id, baseline="base", candidate="tuned", comparison=comparison))
        result = gate(comparison[2], run_id, ["base", "tuned"], "base", "tuned", None)
        (out / "gate.md").write_text(gate_markdown(result), encoding="utf-8")
        (out / "junit.xml").write_text(gate_junit(result), encoding="utf-8")
        print(verdict_text(result))
        print(ILLUSTRATIVE)
        print(f"report: {out / 'index.html'}")
    finally:
        store.close()
    return 0
