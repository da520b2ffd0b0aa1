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

DEMO_SUITES = ("snake", "seed", "apps")
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

    from .api import score
    from .config import Config
    from .report.terminal import summary_table
    from .report.verdict import verdict_text, write_gate_files

    path = responses_path()
    out = Path(out_dir) if out_dir else Path("reports") / "demo"
    if db_path is None:
        # a fresh store inside the report folder: the demo never mixes into the user's runs, and
        # `evalkit report --db reports/demo/demo.db` can render it again
        out.mkdir(parents=True, exist_ok=True)
        db_path = str(out / "demo.db")
        for suffix in ("", "-wal", "-shm"):
            Path(db_path + suffix).unlink(missing_ok=True)
    # Config(): the demo never reads ./evalkit.yaml
    with score(path, DEMO_SUITES, config=Config(), db=db_path, execute=execute, sandbox=sandbox_mode,
               workers=workers, progress=progress, baseline="base", candidate="tuned",
               annotate={"demo": True, "note": ILLUSTRATIVE}) as result:
        result.write_reports(out)
        Console().print(summary_table(result.store, result.run_id, comparison=result.report_data))
        verdict = result.gate()
        write_gate_files(verdict, out / "gate.md", out / "junit.xml")
        print(verdict_text(verdict))
        print(ILLUSTRATIVE)
        print(f"report: {out / 'index.html'}")
    return 0
