"""feature_completeness: rubric features implemented / required features.

A rubric (rubrics/<name>.yaml, see docs/metrics.md) lists features; each has
``evidence`` (a list of checks that must all match; ``{any: [...]}`` for alternatives),
optional ``absent`` checks (evidence of the opposite: any match marks the feature missing, and a
prose claim about it "contradicted"), an optional ``probe`` (a behavioural probe run by the
execution layer; its result overrides the static verdict), ``weight`` (default 1) and
``required`` (default true; ``claimed``: only when the prose claims it), ``probe_mode`` (``decide`` or ``veto``, see apply_probe).
``vocab`` holds named regexes that checks reference as ``$name``.

Checks (``ident``, ``call``, ``branch``, ``within`` ...) are described and run in checks.py, one
handler per kind, over the tree-sitter index of the main code block.
"""

from __future__ import annotations

import functools

from .. import program, treesitter
from ..extract import Extraction
from . import claim_runtime
from .base import Metric, Score
from .checks import run_check
from .runfacts import FILE_UNDEFINED, note_file_names
from .claim_extract import (
    extract_claims,  # reads the prose only (no scorer import: no cycle)
)

# ---- the registry's declaration (evalkit/scorers/registry.py): version and metrics --------------
VERSION = "6"  # 6: unread counters/timers, nested guards that decide nothing, stubs of empty branches, float milliseconds, not_under, off_lattice
NEEDS = ("probes", "crash")  # a probe's result overrides the static verdict; the run's crash ties to code
METRICS = (
    Metric("feature_completeness", "features", kind="unit", main=True, order=40, gate={"max_drop": 0.05},
           rollups={"feature_completeness": 1.0, "production_readiness": 1.0}),
)

MAX_EVIDENCE = 5


def _ev(idx: treesitter.CodeIndex, lines) -> list[dict]:
    out, seen = [], set()
    for ln in sorted(set(lines)):
        if ln in seen:
            continue
        seen.add(ln)
        out.append({"line": ln, "text": idx.line_text(ln)})
        if len(out) >= MAX_EVIDENCE:
            break
    return out


@functools.lru_cache(maxsize=64)
def _evaluate_cached(language: str, code: str, rubric_key: str, features_key: str, files_key: str = "[]"):
    import json

    features = json.loads(features_key)
    vocab = json.loads(rubric_key)
    idx = treesitter.index(language, code)
    out = []
    for f in features:
        ev, ok = [], True
        contra, reason, proof = [], "", False
        for check in f.get("evidence") or []:
            matched, lines, note = run_check(check, idx, vocab)
            if not matched:
                ok = False
                if note.startswith(("crashes", "hangs")):  # the code that would do it breaks: evidence of the opposite
                    contra, reason = list(lines), note
                break
            ev += lines
        for check in f.get("absent") or []:
            matched, lines, _ = run_check(check, idx, vocab)
            if matched:
                contra += lines
                why = check.get("reason") or f"{check.get('kind')} check shows the opposite"
                reason = f"{reason}; {why}" if reason else why
                proof = proof or bool(check.get("beats_probe"))
        out.append({
            "id": f["id"],
            "found": ok and not contra and bool(f.get("evidence")),
            "evidence": _ev(idx, ev) if ok else [],
            "contradicted": bool(contra),
            "contra_evidence": _ev(idx, contra),
            "reason": reason,
            **({"proof": True} if proof else {}),  # a static proof a passed probe does not overturn
        })
    return out


def evaluate(rubric: dict, block) -> dict[str, dict]:
    """Static verdict of every rubric feature on one code block: id -> result dict."""
    import json

    features = [f for f in rubric.get("features") or [] if isinstance(f, dict) and "id" in f]
    if block is None or not features:
        return {}
    res = _evaluate_cached(block.language or "", block.code,
                           json.dumps(rubric.get("vocab") or {}, sort_keys=True),
                           json.dumps(features, sort_keys=True, default=str),
                           # the per-file name check is part of the input (same answer -> same verdicts)
                           json.dumps(sorted(FILE_UNDEFINED.get(block.code, {}).items())))
    return {r["id"]: dict(r) for r in res}


def apply_probe(feature: dict, result: dict, probes: dict) -> dict:
    """Fold a behavioural probe's outcome into a static result.

    ``probe_mode: decide`` (default): the probe wins when it ran, pass or fail.
    ``probe_mode: veto``: only a failure counts (a pass proves too little on its own).
    A passed probe does not overturn a static proof of the opposite (an ``absent`` check with
    ``beats_probe: true``, which holds whatever one run happened to draw); a failed one still counts.
    A probe that did not judge (``passed`` None: it could not see the snake, the wall was never
    reached) leaves the static verdict standing in either mode.
    """
    name = feature.get("probe")
    r = dict(result, source="static")
    if name and isinstance(probes.get(name), dict) and probes[name].get("passed") is None:
        # the probe could not see what it needs (not judged): the static verdict stands, with its reason
        r.update(probe=name, probe_passed=None, probe_detail=f"not judged: {probes[name].get('detail', '')}"[:300])
        return r
    if name and isinstance(probes.get(name), dict):
        p = probes[name]
        passed = bool(p.get("passed"))
        r.update(source="probe", probe=name, probe_passed=passed, probe_detail=str(p.get("detail", ""))[:300])
        if not passed:
            r["found"] = False
            r["contradicted"] = True
            r["reason"] = f"probe {name} failed: {p.get('detail', '')}"[:300]
        elif result.get("proof"):
            # the code proves the opposite (`beats_probe` absent check: food drawn off the lattice
            # 3 times in 4); one run's lucky draws do not overturn it
            r["source"] = "static"
            r["probe_detail"] = f"passed on what this run drew, but the code proves otherwise: {r['probe_detail']}"[:300]
        elif feature.get("probe_mode", "decide") == "decide":
            r["found"] = True
            r["contradicted"] = False
        else:
            r["source"] = "static"  # a passed veto probe leaves the static verdict standing
    return r


def _apply_crash(feature: dict, r: dict, idx, vocab: dict, crash) -> dict:
    """A feature whose own code raised when the run reached it is not implemented: contradicted."""
    tie = claim_runtime.feature_crash(feature, idx, vocab, crash)
    if tie is None:
        return r
    lines, why = tie
    return dict(r, found=False, contradicted=True, evidence=[], contra_evidence=_ev(idx, lines),
                reason=why, source="run")


def _required(feature: dict, ex: Extraction, rubric: dict) -> bool:
    """``required: claimed`` counts a feature only when the prose claims it (an optional extra)."""
    req = feature.get("required", True)
    if req == "claimed":
        return any(c["kind"] == "feature" and c["feature"] == feature["id"]
                   for c in extract_claims(ex.prose, rubric))
    return bool(req)


def feature_results(task, ex: Extraction, artifacts: dict) -> list[dict]:
    """Per-feature results (static + probe) for the main block; cached in artifacts."""
    if "feature_results" in artifacts:
        return artifacts["feature_results"]
    rubric = task.rubric or {}
    features = [f for f in rubric.get("features") or [] if isinstance(f, dict) and "id" in f]
    prog = program.view(ex)  # every file of a multi-file answer; evidence reads file:line
    if prog is not None and prog.multi_file:
        note_file_names(prog, ex)
    static = evaluate(rubric, prog.block if prog else None)
    probes = artifacts.get("probes") or {}
    # the run's crash, tied to a feature's own code (claim_runtime.py); single-file answers only
    crash = claim_runtime.crash(artifacts.get("crash"), ex.main_index) \
        if prog is not None and not prog.multi_file else None
    idx = treesitter.index(prog.block.language, prog.block.code) if crash is not None else None
    out = []
    for f in features:
        base = static.get(f["id"], {"id": f["id"], "found": False, "evidence": [], "contradicted": False,
                                    "contra_evidence": [], "reason": "no code"})
        r = apply_probe(f, base, probes)
        if crash is not None and not r.get("contradicted"):
            r = _apply_crash(f, r, idx, rubric.get("vocab") or {}, crash)
        r.update(name=str(f.get("name", f["id"])), weight=float(f.get("weight", 1.0)),
                 required=_required(f, ex, rubric), block=ex.main_index)
        out.append(r)
    artifacts["feature_results"] = out
    return out


def score(task, ex: Extraction, artifacts: dict) -> list[Score]:
    rubric = task.rubric or {}
    if not rubric.get("features"):
        return [Score("feature_completeness", None, {"reason": "task has no rubric features"})]
    results = feature_results(task, ex, artifacts)
    prog = program.view(ex)
    if prog is not None and prog.multi_file:  # view lines -> file:line for the report
        results = [dict(r, evidence=prog.relabel(r.get("evidence"), None),
                        contra_evidence=prog.relabel(r.get("contra_evidence"), None)) for r in results]
    required = [r for r in results if r["required"]]
    total = sum(r["weight"] for r in required)
    found = sum(r["weight"] for r in required if r["found"])
    value = found / total if total else None
    details = {
        "block": ex.main_index,
        "lines": "evidence line numbers are lines within the main code block"
                 + ("; in a multi-file answer, lines within the named file (file:line)" if ex.multi_file else ""),
        "found": sum(1 for r in required if r["found"]),
        "required": len(required),
        "features": [
            {k: r[k] for k in ("id", "name", "found", "evidence", "source", "weight", "required",
                               "contradicted", "contra_evidence", "reason", "probe_detail") if k in r}
            for r in results
        ],
    }
    return [Score("feature_completeness", value, details)]
