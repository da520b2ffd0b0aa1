"""claim_consistency: the claims the prose makes about the code, each checked against the code.

Claim kinds (extracted from the prose only; thinking and code are never claims):

* feature    -- a sentence that names a rubric feature (the feature's ``claim`` regexes);
                verdict = the feature's static/probe result (features.py)
* number     -- a number in such a sentence, bullet or table row ("3 collisions", "5 seconds",
                "1.5x", "50%"), tied to the nearest feature mention by position (same clause,
                then sentence; the previous sentence's only when none is named before it);
                supported when an equal literal (unit-converted: s <-> ms <-> frames, %) sits on
                a line naming the feature (or within the 3 lines below one, in the same branch)
                and, for a unit, naming the quantity (duration, charges, multiplier ...), or when
                the code does the same arithmetic there (`v * 1.5`, `h // 2` of h itself)
* control    -- key bindings ("press P to pause", "arrow keys", "WASD", "Space to restart");
                supported when the key constant / key string is in the code (``K_p``, ``'p'``,
                ``'ArrowUp'``), unless the run crashed or hung at the key's first scripted press
                (contradicted, claim_runtime.py) or the feature its action names ("P to pause":
                pause) is contradicted (contradicted) or not found (unsupported)
* identifier -- names in backticks (`spawn_item()`, `CELL_SIZE`); supported when the code
                defines or uses the name
* file       -- data files the prose says the program saves/writes (`highscore.txt`); supported
                when the name is a string literal and the code writes a file

Verdicts: supported, unsupported (no evidence), contradicted (evidence of the opposite: a feature
whose ``absent`` check matched or whose probe failed; a number whose feature is contradicted, or
whose quantity is set to a different literal). Score = supported / all claims; None when the
prose makes no checkable claim. Evidence lines are lines within the main code block.

Extraction from the prose: claim_extract.py; verdicts against the code: claim_verify.py.
"""

from __future__ import annotations

from .. import gameprobes_generic, program, treesitter
from ..extract import Extraction
from ..sandboxed.gameshim import DEFAULT_SCRIPT
from . import claim_runtime
from . import features as feat
from .base import Metric, Score
from .claim_extract import MAX_CLAIMS, extract_claims
from .claim_verify import verdict

# ---- the registry's declaration (evalkit/scorers/registry.py): version and metrics --------------
VERSION = "7"  # 7: held-out round 3: tables, key tables, number words, negation by another cause; unread settings support nothing
# 5: a key whose first press broke the run, or whose action's feature is missing, is not supported
NEEDS = ("probes", "crash")  # claims read the features' verdicts (probes included) and the run's crash
METRICS = (
    Metric("claim_consistency", "claims hold", kind="unit", main=True, order=50, gate={"max_drop": 0.10},
           rollups={"production_readiness": 1.0}),
)

__all__ = ["MAX_CLAIMS", "extract_claims", "score"]


def score(task, ex: Extraction, artifacts: dict) -> list[Score]:
    rubric = task.rubric or {}
    claims = extract_claims(ex.prose, rubric, str(getattr(task, "prompt", "") or ""))
    if not claims:
        return [Score("claim_consistency", None, {"claims": [], "reason": "the prose makes no checkable claim"})]
    fres = {r["id"]: r for r in feat.feature_results(task, ex, artifacts)} if rubric.get("features") else {}
    rubric_by_id = {f["id"]: f for f in rubric.get("features") or [] if isinstance(f, dict) and "id" in f}
    prog = program.view(ex)  # a multi-file answer: all its files, evidence relabelled file:line
    main = prog.block if prog is not None else None
    idx = treesitter.index(main.language, main.code) if main is not None else None
    crash = claim_runtime.crash(artifacts.get("crash"), ex.main_index) \
        if prog is not None and not prog.multi_file else None
    run = (crash, gameprobes_generic.script_for(rubric) or DEFAULT_SCRIPT) if crash is not None else None
    out = []
    for c in claims:
        v = verdict(c, ex, idx, ex.main_index, fres, rubric_by_id, run=run)
        if c.get("plain_word") and v["verdict"] != "supported":
            continue  # a plain word in backticks the code does not have is an example word, not a name
        if c.get("word_number") and v["verdict"] == "unsupported":
            continue  # "twice as fast" with no literal 2: often two settings' ratio, no evidence either way
        if prog is not None and prog.multi_file:
            v = dict(v, evidence=prog.relabel(v["evidence"], ex.main_index))
        extra = {k: c[k] for k in ("feature", "key", "value", "unit", "name", "file", "negated") if k in c}
        entry = {"text": c["text"], "kind": c["kind"], **extra,
                 "verdict": v["verdict"], "evidence": v["evidence"], "reason": v["reason"]}
        out.append(entry)
    if not out:
        return [Score("claim_consistency", None, {"claims": [], "reason": "the prose makes no checkable claim"})]
    counts = {k: sum(1 for c in out if c["verdict"] == k) for k in ("supported", "unsupported", "contradicted")}
    value = counts["supported"] / len(out)
    details = {"claims": out, **counts, "block": ex.main_index,
               "lines": "evidence line numbers are lines within the code block named by `block`"}
    return [Score("claim_consistency", value, details)]
