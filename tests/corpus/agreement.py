"""Agreement between evalkit's scorers and the hand labels of the validation corpus.

Every response in tests/corpus/responses/ is scored with evalkit's real pipeline
(``evalkit.scorers.score_response`` with execution on, the bundled task its label names with
``task:``: ``snake`` by default, or a task of the apps suite such as ``pong``) and compared with its
hand label in tests/corpus/labels*.yaml (format: /tmp/team/CORPUS.md, docs/validation.md):

* runs_ok       label 1/0/null vs evalkit's value (None = not judged); exact match
* outcome       label vs evalkit's run status (shown, not a threshold)
* grid probe    the ``grid_aligned`` probe's verdict (a game of the apps suite: ``moves_on_lattice``)
                vs the label, over items where both exist;
                also counted: no verdict where a label exists, a verdict where the label is null
* features      each feature of the item's task's rubric: label true/false vs feature_completeness
                ``found`` (per-feature rows of other tasks than snake are named ``task/feature``)
* claims        each labelled claim matched to an extracted claim by kind + feature / key /
                value / name / file; true <-> "supported"; a labelled claim evalkit did not
                extract is "missed"; a false claim judged "supported" is a false support

    python -m tests.corpus.agreement [--jobs 2] [--runs N] [--only ID,ID] [--json FILE] [-q] [--static]
                                     [--corpus DIR] [--task TASK]

``--static`` scores without execution (no sandbox, no probes): the static feature and claim
verdicts alone, in seconds; runs_ok and the grid probe are then not judged.

``--runs N`` scores everything N times and lists every item whose scores differ between runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
RESPONSES = CORPUS / "responses"
LABELS = CORPUS / "labels.yaml"   # plus any labels_*.yaml (items other helpers labelled, same format)
REPO = CORPUS.parent.parent
FEATURES = ("grid_movement", "wall_collision", "self_collision", "food_growth", "speed_item", "ice_shield",
            "skin_item", "items_awarded", "pause", "score")
OUTCOMES = ("ok", "crashed", "timeout", "missing_asset", "syntax_error", "missing_dependency")
THRESHOLDS = {"runs_ok": 0.95, "grid_probe": 0.90, "features": 0.90, "claims": 0.90}
GRID_PROBES = ("grid_aligned", "moves_on_lattice")  # Snake's lattice probe, the apps games' one


# ------------------------------------------------------------------ labels
def _truth(claim: dict):
    """The claim's hand verdict. YAML 1.1 reads a bare ``true:`` key as the boolean True."""
    for k in ("true", True):
        if k in claim:
            return bool(claim[k])
    raise ValueError(f"claim {claim!r} has no `true:` field")


def label_files(corpus: Path = CORPUS) -> list[Path]:
    main = corpus / "labels.yaml"
    return ([main] if main.is_file() else []) + sorted(p for p in corpus.glob("labels_*.yaml") if p != main)


def load_labels(paths: list[Path] | None = None, corpus: Path = CORPUS) -> list[dict]:
    """Every label of a corpus folder (responses/<id>.md + labels*.yaml), checked for completeness."""
    import yaml

    paths = paths or label_files(corpus)
    if not paths or not (corpus / "responses").is_dir():
        raise ValueError(f"{corpus} is not a corpus folder: it needs responses/<id>.md and labels.yaml (or labels_*.yaml)")
    items = []
    for path in paths:
        items += yaml.safe_load(path.read_text(encoding="utf-8")) or []
    seen = set()
    for it in items:
        iid = it["id"]
        if iid in seen:
            raise ValueError(f"duplicate label id {iid}")
        seen.add(iid)
        if not (corpus / "responses" / f"{iid}.md").is_file():
            raise ValueError(f"label {iid} has no response file responses/{iid}.md")
        if it.get("outcome") not in OUTCOMES:
            raise ValueError(f"{iid}: outcome {it.get('outcome')!r} not one of {OUTCOMES}")
        it["task"] = str(it.get("task") or "snake")
        try:
            wanted = features_for(it["task"])
        except Exception as exc:  # noqa: BLE001 - an unknown task is a bad label, said in one line
            raise ValueError(f"{iid}: task {it['task']!r}: {exc}") from None
        missing = [f for f in wanted if f not in (it.get("features") or {})]
        if missing:
            raise ValueError(f"{iid}: features without a label: {missing}")
        for c in it.get("claims") or []:
            _truth(c)
            c["kind"] = str(c["kind"])
            if c["kind"] == "control":
                c["key"] = str(c["key"])
    return items


def _claim_key(c: dict) -> tuple:
    kind = c.get("kind")
    if kind == "feature":
        return (kind, c.get("feature"))
    if kind == "number":
        return (kind, c.get("feature"), round(float(c.get("value")), 6))
    if kind == "control":
        return (kind, str(c.get("key")).lower())
    if kind == "identifier":
        return (kind, str(c.get("name")).rstrip("()").removeprefix("self."))
    if kind == "file":
        return (kind, str(c.get("file")).lower())
    return (kind,)


# ------------------------------------------------------------------ tasks
_TASKS: dict = {}
TASK_SUITES = ("snake", "apps")  # where a label's task is looked up, in this order


def _task(task_id: str = "snake"):
    """The bundled task a label names (snake's suite first: Snake items never need another suite)."""
    if task_id not in _TASKS:
        from evalkit.suites import load_suites

        for name in TASK_SUITES:
            suite, = load_suites([name])
            _TASKS.update({t.id: t for t in suite.tasks if t.id not in _TASKS})
            if task_id in _TASKS:
                break
        else:
            raise ValueError(f"no bundled task {task_id!r} in the suites {', '.join(TASK_SUITES)}")
    return _TASKS[task_id]


def features_for(task_id: str) -> tuple[str, ...]:
    """The feature ids a label of this task must give (the task's rubric)."""
    if task_id == "snake":
        return FEATURES
    return tuple(f["id"] for f in _task(task_id).rubric.get("features") or ())


# ------------------------------------------------------------------ scoring (worker process)


def _jsonable(v):
    return json.loads(json.dumps(v, default=str))


_EXECUTE = True  # --static turns execution off (static verdicts only)


def score_item(iid: str, corpus: Path = CORPUS, task_id: str = "snake") -> dict:
    """evalkit's view of one response: run status, probes, features, claims, every metric value."""
    from evalkit.scorers import execution, score_response

    captured: dict = {}
    real_run = execution.run

    def run_and_keep(*a, **kw):  # keeps the probe observations the pipeline folds into features
        scores, artifacts = real_run(*a, **kw)
        captured["probes"] = artifacts.get("probes") or {}
        return scores, artifacts

    text = (Path(corpus) / "responses" / f"{iid}.md").read_text(encoding="utf-8")
    execution.run = run_and_keep
    try:
        scores = score_response(_task(task_id), text, execute=_EXECUTE)
    finally:
        execution.run = real_run
    by = {s.metric: s for s in scores}
    out: dict = {"id": iid, "metrics": {s.metric: s.value for s in scores}}
    r = by.get("runs_ok")
    d = r.details if r else {}
    out["runs_ok"] = r.value if r else None
    out["status"] = d.get("status")
    out["exec"] = {k: d.get(k) for k in ("status", "exception_type", "exception_message", "lineno",
                                         "missing_file", "missing_module", "killed_reason", "virtual_time",
                                         "reason", "file") if d.get(k) is not None}
    if d.get("stderr"):
        out["exec"]["stderr_tail"] = d["stderr"][-300:]
    probes = captured.get("probes") or {}
    out["probes"] = {k: {"passed": v.get("passed"), "detail": str(v.get("detail", ""))[:300]}
                     for k, v in probes.items() if isinstance(v, dict)}
    f = by.get("feature_completeness")
    out["features"] = {x["id"]: {"found": bool(x.get("found")), "source": x.get("source"),
                                 "evidence": x.get("evidence") or [], "reason": x.get("reason", ""),
                                 "probe_detail": x.get("probe_detail", ""),
                                 "contra_evidence": x.get("contra_evidence") or []}
                       for x in (f.details.get("features", []) if f else [])}
    c = by.get("claim_consistency")
    out["claims"] = [{k: v for k, v in x.items() if k != "text"} | {"text": x.get("text", "")[:160]}
                     for x in (c.details.get("claims", []) if c else [])]
    errors = {m: s.details.get("error") for m, s in by.items() if m.startswith("scorer_error")}
    if errors:
        out["scorer_errors"] = errors
    return _jsonable(out)


def _safe_score(job: tuple[str, str, str]) -> dict:
    iid, corpus, task_id = job
    try:
        return score_item(iid, Path(corpus), task_id)
    except Exception as exc:  # noqa: BLE001 - one item failing must not hide the others' figures
        return {"id": iid, "harness_error": f"{type(exc).__name__}: {exc}"[:400]}


def _init_worker(execute: bool) -> None:
    global _EXECUTE
    _EXECUTE = execute


def score_all(ids: list[str], jobs: int = 2, corpus: Path = CORPUS, runs: int = 1,
              tasks: dict[str, str] | None = None) -> list[dict[str, dict]]:
    """Score every item `runs` times: one result dict per run. All runs share one pool of workers, so
    they see the same evalkit code (and any state a worker carries from item to item). ``tasks``:
    item id -> task id (snake when missing)."""
    work = [(i, str(corpus), (tasks or {}).get(i, "snake")) for i in ids]
    if jobs <= 1:
        return [{i: _safe_score(w) for i, w in zip(ids, work)} for _ in range(max(runs, 1))]
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(_EXECUTE,)) as pool:
        return [dict(zip(ids, pool.map(_safe_score, work))) for _ in range(max(runs, 1))]


# ------------------------------------------------------------------ comparison
def _frac(a: int, n: int) -> float | None:
    return a / n if n else None


def compare(labels: list[dict], results: dict[str, dict]) -> dict:
    rep: dict = {"items": len(labels), "disagreements": [], "harness_errors": {}}
    runs = Counter()
    outcome = Counter()
    grid = Counter()
    feat = defaultdict(Counter)
    claims = Counter()
    claims_by_kind = defaultdict(Counter)
    false_supported = []
    extra_claims = 0

    def dis(iid, what, label, got, why):
        rep["disagreements"].append({"id": iid, "what": what, "label": label, "evalkit": got, "evidence": why})

    for it in labels:
        iid = it["id"]
        r = results.get(iid) or {}
        if "harness_error" in r or not r:
            rep["harness_errors"][iid] = r.get("harness_error", "not scored")
            continue
        ex = r.get("exec", {})
        exec_why = ", ".join(f"{k}={v}" for k, v in ex.items() if k != "stderr_tail")
        if ex.get("stderr_tail"):
            exec_why += " | stderr: " + ex["stderr_tail"].strip().splitlines()[-1][:200] if ex["stderr_tail"].strip() else ""
        # runs_ok: exact match, None (not judged) included
        lab = it.get("runs_ok")
        got = r.get("runs_ok")
        got_n = None if got is None else int(got)
        runs["n"] += 1
        if lab == got_n:
            runs["agree"] += 1
        else:
            dis(iid, "runs_ok", lab, got_n, exec_why)
        outcome["n"] += 1
        if it["outcome"] == r.get("status"):
            outcome["agree"] += 1
        # grid probe
        g = next(((r.get("probes") or {}).get(k) for k in GRID_PROBES if (r.get("probes") or {}).get(k)), None)
        verdict = None if g is None or g.get("passed") is None else bool(g["passed"])
        glab = it.get("grid_aligned")
        if verdict is None:
            if glab is not None:
                grid["none_where_labelled"] += 1
        elif glab is None:
            grid["verdict_where_null"] += 1
            dis(iid, "grid_probe (label null)", None, verdict, g.get("detail", ""))
        else:
            grid["n"] += 1
            if verdict == glab:
                grid["agree"] += 1
            else:
                dis(iid, "grid_probe", glab, verdict, g.get("detail", ""))
        # features
        fr = r.get("features") or {}
        task_id = it.get("task") or "snake"
        for fid in features_for(task_id):
            row = fid if task_id == "snake" else f"{task_id}/{fid}"
            flab = bool(it["features"][fid])
            x = fr.get(fid)
            found = bool(x and x.get("found"))
            feat[row]["n"] += 1
            if found == flab:
                feat[row]["agree"] += 1
            else:
                feat[row]["fp" if found else "fn"] += 1
                why = ""
                if x:
                    ev = x.get("evidence") or x.get("contra_evidence") or []
                    why = f"source={x.get('source')}; " + (x.get("reason") or x.get("probe_detail") or "")
                    if ev:
                        why += " | lines: " + "; ".join(f"{e.get('line')}: {str(e.get('text', '')).strip()[:70]}"
                                                        for e in ev[:3])
                dis(iid, f"feature {fid}", flab, found, why.strip() or "no evidence")
        # claims
        got_claims = {_claim_key(c): c for c in r.get("claims") or []}
        used = set()
        for c in it.get("claims") or []:
            key = _claim_key(c)
            truth = _truth(c)
            kind = c["kind"]
            claims["labelled"] += 1
            claims_by_kind[kind]["labelled"] += 1
            e = got_claims.get(key)
            if e is None:
                claims["missed"] += 1
                claims_by_kind[kind]["missed"] += 1
                dis(iid, f"claim {key} missed", truth, "not extracted", "")
                continue
            used.add(key)
            supported = e.get("verdict") == "supported"
            claims["n"] += 1
            claims_by_kind[kind]["n"] += 1
            if supported == truth:
                claims["agree"] += 1
                claims_by_kind[kind]["agree"] += 1
            else:
                if supported:
                    false_supported.append((iid, key))
                ev = "; ".join(f"{x.get('line')}: {str(x.get('text', '')).strip()[:60]}" for x in e.get("evidence", [])[:3])
                dis(iid, f"claim {key}", truth, e.get("verdict"), f"{e.get('reason', '')}" + (f" | {ev}" if ev else ""))
        extra_claims += len(set(got_claims) - used)
        for key in sorted(set(got_claims) - used, key=str):
            e = got_claims[key]
            rep.setdefault("unlabelled", []).append({"id": iid, "claim": key, "verdict": e.get("verdict"),
                                                    "text": str(e.get("text", ""))[:120]})
    feat_tot = Counter()
    for c in feat.values():
        feat_tot.update(c)
    rep["runs_ok"] = {"agree": runs["agree"], "n": runs["n"], "rate": _frac(runs["agree"], runs["n"])}
    rep["outcome"] = {"agree": outcome["agree"], "n": outcome["n"], "rate": _frac(outcome["agree"], outcome["n"])}
    rep["grid_probe"] = {"agree": grid["agree"], "n": grid["n"], "rate": _frac(grid["agree"], grid["n"]),
                         "none_where_labelled": grid["none_where_labelled"],
                         "verdict_where_null": grid["verdict_where_null"]}
    rep["features"] = {"agree": feat_tot["agree"], "n": feat_tot["n"], "rate": _frac(feat_tot["agree"], feat_tot["n"]),
                       "per_feature": {fid: {"agree": c["agree"], "n": c["n"], "rate": _frac(c["agree"], c["n"]),
                                             "false_found": c["fp"], "missed": c["fn"]} for fid, c in feat.items()}}
    rep["claims"] = {"agree": claims["agree"], "n": claims["n"], "rate": _frac(claims["agree"], claims["n"]),
                     "labelled": claims["labelled"], "missed": claims["missed"],
                     "recall": _frac(claims["labelled"] - claims["missed"], claims["labelled"]),
                     "false_supported": len(false_supported), "false_supported_items": false_supported,
                     "unlabelled_extracted": extra_claims,
                     "per_kind": {k: {"agree": c["agree"], "n": c["n"], "rate": _frac(c["agree"], c["n"]),
                                      "labelled": c["labelled"], "missed": c["missed"]}
                                  for k, c in sorted(claims_by_kind.items())}}
    return rep


def signature(r: dict) -> str:
    """What must not change between two runs of the same item."""
    keep = {"metrics": r.get("metrics"), "status": r.get("status"),
            "probes": {k: v.get("passed") for k, v in (r.get("probes") or {}).items()},
            "claims": sorted((json.dumps(_claim_key(c)), c.get("verdict")) for c in r.get("claims") or []),
            "error": r.get("harness_error")}
    return json.dumps(keep, sort_keys=True, default=str)


def nondeterministic(runs: list[dict[str, dict]]) -> dict[str, list[str]]:
    """id -> the differing parts (metric values, run status, probe verdicts, claim verdicts), for
    items whose scores changed between runs."""
    out = {}
    for iid in runs[0]:
        sigs = [json.loads(signature(rr[iid])) for rr in runs]
        if all(s == sigs[0] for s in sigs[1:]):
            continue
        diff = []
        for part in ("metrics", "probes"):
            keys = sorted({k for s in sigs for k in (s.get(part) or {})})
            for k in keys:
                vals = [(s.get(part) or {}).get(k) for s in sigs]
                if len({json.dumps(v) for v in vals}) > 1:
                    diff.append(f"{k}: {vals}")
        for part in ("status", "error"):
            vals = [s.get(part) for s in sigs]
            if len({json.dumps(v) for v in vals}) > 1:
                diff.append(f"{part}: {vals}")
        claim_maps = [dict(s.get("claims") or []) for s in sigs]
        for k in sorted({k for m in claim_maps for k in m}):
            vals = [m.get(k) for m in claim_maps]
            if len(set(vals)) > 1:
                diff.append(f"claim {k}: {vals}")
        out[iid] = diff
    return out


def run(ids: list[str] | None = None, jobs: int = 2, runs: int = 1, corpus: Path = CORPUS,
        task: str | None = None) -> dict:
    labels = load_labels(corpus=corpus)
    if task:
        labels = [it for it in labels if it["task"] == task]
        if not labels:
            raise ValueError(f"no corpus item is labelled with task {task!r}")
    if ids:
        unknown = set(ids) - {it["id"] for it in labels}
        if unknown:
            raise ValueError(f"unknown corpus ids: {', '.join(sorted(unknown))}")
        labels = [it for it in labels if it["id"] in ids]
    all_runs = score_all([it["id"] for it in labels], jobs, corpus, runs,
                         {it["id"]: it.get("task") or "snake" for it in labels})
    rep = compare(labels, all_runs[0])
    rep["runs"] = len(all_runs)
    rep["nondeterministic"] = nondeterministic(all_runs) if len(all_runs) > 1 else {}
    rep["results"] = all_runs[0]
    return rep


# ------------------------------------------------------------------ printing
def _pct(x) -> str:
    return "  n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:5.1f}%"


def table(rep: dict) -> str:
    L = []
    L.append(f"corpus: {rep['items']} items, {rep['runs']} run(s)")
    L.append(f"{'metric':<34} {'agree':>7} {'of':>5} {'rate':>7}  threshold")
    def row(name, d, thr=None):
        L.append(f"{name:<34} {d['agree']:>7} {d['n']:>5} {_pct(d['rate']):>7}  {'' if thr is None else _pct(thr)}")
    row("runs_ok", rep["runs_ok"], THRESHOLDS["runs_ok"])
    row("outcome (status, informational)", rep["outcome"])
    g = rep["grid_probe"]
    row("grid probe (where it judged)", g, THRESHOLDS["grid_probe"])
    L.append(f"{'  no verdict where labelled':<34} {g['none_where_labelled']:>7}")
    L.append(f"{'  verdict where label is null':<34} {g['verdict_where_null']:>7}")
    row("features (all)", rep["features"], THRESHOLDS["features"])
    for fid, d in rep["features"]["per_feature"].items():
        L.append(f"{'  ' + fid:<34} {d['agree']:>7} {d['n']:>5} {_pct(d['rate']):>7}  "
                 f"false found {d['false_found']}, missed {d['missed']}")
    c = rep["claims"]
    row("claims (matched verdicts)", c, THRESHOLDS["claims"])
    for k, d in c["per_kind"].items():
        L.append(f"{'  ' + k:<34} {d['agree']:>7} {d['n']:>5} {_pct(d['rate']):>7}  "
                 f"labelled {d['labelled']}, missed {d['missed']}")
    L.append(f"{'  labelled claims extracted':<34} {c['labelled'] - c['missed']:>7} {c['labelled']:>5} {_pct(c['recall']):>7}")
    L.append(f"{'  false supported':<34} {c['false_supported']:>7}  (must be 0)")
    L.append(f"{'  extracted but not labelled':<34} {c['unlabelled_extracted']:>7}")
    if rep["harness_errors"]:
        L.append(f"harness errors: {rep['harness_errors']}")
    if rep["runs"] > 1:
        nd = rep["nondeterministic"]
        L.append(f"determinism: {len(nd)} of {rep['items']} items changed between {rep['runs']} runs")
        for iid, diff in nd.items():
            L.append(f"  {iid}: " + " | ".join(diff))
    return "\n".join(L)


def unlabelled(rep: dict) -> str:
    """Claims evalkit extracted that no label covers: a label may be missing, or the sentence is no claim."""
    L = ["", "extracted but not labelled (claim, evalkit's verdict: sentence)"]
    for u in rep.get("unlabelled", []):
        L.append(f"- {u['id']}: {tuple(u['claim'])} {u['verdict']}: {u['text']}")
    return "\n".join(L)


def disagreements(rep: dict) -> str:
    L = ["", "disagreements (label -> evalkit: evidence)"]
    for d in rep["disagreements"]:
        L.append(f"- {d['id']}: {d['what']}: label {d['label']} -> evalkit {d['evalkit']}"
                 + (f": {d['evidence']}" if d["evidence"] else ""))
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.corpus.agreement", description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--runs", type=int, default=1, help="score everything N times and report changes")
    ap.add_argument("--only", default="", help="comma-separated corpus ids")
    ap.add_argument("--json", default="", help="also write the full report (with evalkit's results) here")
    ap.add_argument("-q", "--quiet", action="store_true", help="the table only, no disagreement list")
    ap.add_argument("--unlabelled", action="store_true", help="also list extracted claims no label covers")
    ap.add_argument("--corpus", default=str(CORPUS),
                    help="a corpus folder (responses/<id>.md + labels*.yaml), e.g. an unseen set; default: this one")
    ap.add_argument("--static", action="store_true", help="no execution: static feature and claim verdicts only")
    ap.add_argument("--task", default="", help="only the items labelled with this task (snake, pong, ...)")
    a = ap.parse_args(argv)
    global _EXECUTE
    _EXECUTE = not a.static
    ids = [s for s in a.only.split(",") if s.strip()] or None
    try:
        rep = run(ids, jobs=a.jobs, runs=a.runs, corpus=Path(a.corpus), task=a.task or None)
    except (ValueError, OSError) as exc:
        print(f"agreement: {exc}", file=sys.stderr)
        return 2
    print(table(rep))
    if not a.quiet:
        print(disagreements(rep))
    if a.unlabelled:
        print(unlabelled(rep))
    if a.json:
        Path(a.json).write_text(json.dumps(rep, indent=1, default=str))
    return 0


if __name__ == "__main__":
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    sys.exit(main())
