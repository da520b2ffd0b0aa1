"""Scoring a run over the `apps` suite with 3 samples: wall time of the scoring stage (target < 60 s).

    python bench/apps.py [--models 1] [--workers N]

Uses the demo's apps answers (10 tasks x 3 samples per model; `tools/demo_src/apps/`): "tuned" alone by
default, both models with --models 2. Every answer runs in the sandbox (games headless on the virtual
clock with their key scripts, tools and the web API through their black-box checks), in a fresh store,
so nothing is cached. Prints the wall time, the responses per second and the ratio to the target.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report

sys.path.insert(0, str(ROOT))

from evalkit import api  # noqa: E402
from evalkit.paths import DEMO_DIR  # noqa: E402
from evalkit.suites import load_suites  # noqa: E402

TARGET_S = 60.0


def apps_responses(models: int) -> list[dict]:
    apps = {t.id for t in load_suites(["apps"])[0].tasks}
    wanted = ("tuned", "base")[:models]
    recs = [json.loads(line) for line in (DEMO_DIR / "responses.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r for r in recs if r["task_id"] in apps and r["model"] in wanted]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, choices=(1, 2), default=1)
    ap.add_argument("--workers", type=int, default=None)
    a = ap.parse_args(argv)
    recs = apps_responses(a.models)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "apps.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
        start = time.perf_counter()
        with api.score(str(path), ["apps"], db=str(Path(tmp) / "bench.db"), workers=a.workers,
                       progress=False) as result:
            wall = time.perf_counter() - start
            scored = result.table[["model", "task_id", "sample"]].drop_duplicates().shape[0]
    print(f"{scored} responses ({a.models} model(s) x 10 tasks x 3 samples) scored in {wall:.1f} s "
          f"({scored / wall:.1f}/s)")
    report("apps suite, 3 samples, scoring wall time", wall, "s", f"< {TARGET_S:.0f} s", wall / TARGET_S,
           wall < TARGET_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
