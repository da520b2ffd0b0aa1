"""`evalkit curate`: inputs -> scores -> keep rules -> decontamination -> dedup -> mix -> outputs.

Examples stream through in batches: scoring runs in worker processes (evalkit.executors), results
come back in input order, and only small per-example records of the examples still kept (id,
source, rank, dedup signature, spool offset) stay in memory. Kept examples wait in a spool file in
DIR until the mix is drawn, then train.jsonl is written from it; the spool is removed at the end.
Output files appear (by rename) only when the run completes, so a failed run leaves DIR's earlier
results as they were.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..errors import EvalkitError
from . import decontaminate, mix
from .dedup import Deduper, rank
from .inputs import Example, count_rows, examples, files_of
from .outputs import FORMATS, Stats, formatted, index_html, summary_md, write_json
from .rules import load_rules, failed_rule
from .scoring import Settings, score_batch

BATCH = 128
OUTPUTS = ("train.jsonl", "dropped.jsonl", "contamination.jsonl", "kept.jsonl", "stats.json", "summary.md",
           "index.html")


def _batches(stream, size: int):
    batch = []
    for ex in stream:
        batch.append(ex)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _in_order(results, waiting: dict):
    """executors yield batches as they finish; hand them on in input order (a few wait here)."""
    ready, nxt = {}, 0
    for key, res in results:
        ready[key] = res
        while nxt in ready:
            yield waiting.pop(nxt), ready.pop(nxt)
            nxt += 1


def _progress(total: int | None, enabled: bool):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("curating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), disable=not enabled, transient=False)


def _spool_record(ex: Example, metrics: dict) -> bytes:
    rec = {"id": ex.id, "source": ex.source, "messages": ex.messages, "instruction": ex.instruction,
           "input": ex.input, "metrics": metrics}
    return (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8", "replace")


def _hit_words(hits: list[dict]) -> str:
    h = hits[0]
    more = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
    return f"{h['field']} contains {h['overlap']:.0%} of {h['task']} {h['part']}{more}"


def _settings(rules, execute: bool, sandbox: str, suites_dirs) -> Settings:
    return Settings(language=rules.language, num_perm=rules.num_perm, shingle=rules.shingle, near=rules.near,
                    suites=tuple(rules.decon_suites) if rules.decon_suites is not None else None,
                    suites_dirs=tuple(str(d) for d in suites_dirs), ngram=rules.ngram,
                    max_share=rules.max_task_share, decon_threshold=rules.decon_threshold, execute=execute,
                    sandbox=sandbox, max_tests=rules.max_tests, test_timeout=rules.test_timeout)


class _Sieve:
    """The keep/drop decision for each scored example, in input order: rules, contamination, dedup.
    Kept examples go to the spool; dropped ones to dropped.jsonl, contaminated ones also to
    contamination.jsonl."""

    def __init__(self, rules, spool, dropped_f, con_f):
        self.rules, self.spool, self.dropped_f, self.con_f = rules, spool, dropped_f, con_f
        self.stats, self.dedup = Stats(), Deduper(rules.near, rules.near_threshold, rules.num_perm)
        self.kept: dict[str, mix.Entry] = {}
        self.kept_m: dict[str, tuple] = {}  # id -> (ratio, quality) to undo the "after" histogram

    def drop(self, ex_id: str, source: str, reason: str, detail: str, **extra) -> None:
        self.stats.dropped(source, reason)
        self.dropped_f.write(json.dumps({"id": ex_id, "source": source, "reason": reason, "detail": detail,
                                         **extra}, ensure_ascii=False) + "\n")

    def take(self, ex: Example, r: dict) -> None:
        m = r.get("metrics")
        self.stats.seen(ex.source, m)
        if m is None:
            self.drop(ex.id, ex.source, r.get("reason", "unusable row"), r["problem"])
            return
        hits = r["hits"]
        if hits:
            self.stats.contaminated(ex.id, ex.source, hits)
            self.con_f.write(json.dumps({"id": ex.id, "source": ex.source, "hits": hits}, ensure_ascii=False) + "\n")
        broken = failed_rule(self.rules, m)
        if broken:
            extra = {"evidence": r["evidence"]} if len(r["evidence"]) > 1 else {}
            self.drop(ex.id, ex.source, broken[0], broken[1], **extra)
            return
        if hits:
            self.drop(ex.id, ex.source, "contamination", _hit_words(hits), matched=sorted({h["task"] for h in hits}))
            return
        v = self.dedup.offer(ex.id, r["exact"], r["minhash"], rank(m))
        if v.duplicate_of:
            self.drop(ex.id, ex.source, v.kind, f"copy of {v.duplicate_of} (similarity {v.similarity:.2f}), "
                      "which scores at least as well", duplicate_of=v.duplicate_of)
            return
        for gone, kind, sim in v.replaces:
            e = self.kept.pop(gone)
            self.stats.unkept(e.source, {"code_prose_char_ratio": self.kept_m[gone][0], "quality": self.kept_m[gone][1]})
            del self.kept_m[gone]
            self.drop(gone, e.source, kind, f"copy of {ex.id} (similarity {sim:.2f}), which scores higher",
                      duplicate_of=ex.id)
        self.keep(ex, m)

    def keep(self, ex: Example, m: dict) -> None:
        rec = _spool_record(ex, m)
        off = self.spool.tell()
        self.spool.write(rec)
        order = m.get(self.rules.curriculum) if self.rules.curriculum not in ("none", "source") else None
        self.kept[ex.id] = mix.Entry(ex.id, ex.source, order, off, len(rec))
        self.kept_m[ex.id] = (m["code_prose_char_ratio"], m["quality"])
        self.stats.kept(ex.source, m)

    def read(self, e: mix.Entry) -> dict:
        self.spool.seek(e.offset)
        return json.loads(self.spool.read(e.length))


def _write_mix(sieve: _Sieve, sources, rules, target: int | None, seed: int, fmt: str, tmp: dict) -> dict:
    """Draw the training mix from the kept examples; write train.jsonl and kept.jsonl."""
    by_source: dict[str, list[mix.Entry]] = {}
    for e in sieve.kept.values():
        by_source.setdefault(e.source, []).append(e)
    for s, _ in sources:
        by_source.setdefault(s, [])
    tgt = target if target is not None else rules.target
    chosen, quotas = mix.sample(by_source, rules.weights, tgt, seed, rules.curriculum, rules.curriculum_sources)
    rows_by_source: dict[str, int] = {}
    with open(tmp["train.jsonl"], "w", encoding="utf-8") as f:
        for e in chosen:
            rec = sieve.read(e)
            ex = Example(rec["id"], rec["source"], rec["messages"], instruction=rec["instruction"],
                         input=rec["input"])
            f.write(json.dumps(formatted(ex, fmt), ensure_ascii=False) + "\n")
            rows_by_source[e.source] = rows_by_source.get(e.source, 0) + 1
    with open(tmp["kept.jsonl"], "w", encoding="utf-8") as f:
        for e in sieve.kept.values():
            rec = sieve.read(e)
            f.write(json.dumps({"id": rec["id"], "source": rec["source"], "metrics": rec["metrics"]},
                               ensure_ascii=False) + "\n")
    return {"rows": len(chosen), "format": fmt, "seed": seed, "target": tgt, "weights":
            {s: rules.weights.get(s, 1.0) for s in by_source}, "quotas": quotas,
            "rows_by_source": rows_by_source, "curriculum": rules.curriculum}


def _rules_summary(rules, index, execute: bool) -> dict:
    return {"keep": [r.text for r in rules.keep], "missing": rules.missing,
            "dedup": {"near": rules.near, "threshold": rules.near_threshold, "num_perm": rules.num_perm,
                      "shingle": rules.shingle},
            "decontaminate": {"suites": rules.decon_suites or "all", "ngram": rules.ngram,
                              "threshold": rules.decon_threshold, "tasks": index.tasks,
                              "texts": len(index.segments)},
            "exec": execute}


def curate(inputs: list[str], out: str | Path, *, rules_path=None, fmt: str = "openai", execute: bool = False,
           seed: int = 0, target: int | None = None, suites_dirs=(), workers: int | None = None,
           sandbox: str = "auto", progress: bool = True) -> dict:
    started = time.monotonic()
    rules = load_rules(rules_path)
    if fmt not in FORMATS:
        raise EvalkitError(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
    sources = files_of(inputs)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise EvalkitError(f"--out {out} is a file; give a folder")
    out.mkdir(parents=True, exist_ok=True)
    settings = _settings(rules, execute, sandbox, suites_dirs)
    index = decontaminate.index_for(settings.suites, settings.suites_dirs, settings.ngram, settings.max_share)
    counts = [count_rows(f) for _, files in sources for f in files]
    total = None if None in counts else sum(counts)
    tmp = {name: out / f".{name}.part" for name in OUTPUTS}
    spool_path = out / ".kept.spool"
    from ..executors import execute as run_batches

    waiting: dict[int, list[Example]] = {}

    def items():
        for i, batch in enumerate(_batches(examples(inputs, rules.columns), BATCH)):
            waiting[i] = batch
            yield i, (batch, settings)

    try:
        with open(spool_path, "w+b") as spool, open(tmp["dropped.jsonl"], "w", encoding="utf-8") as dropped_f, \
                open(tmp["contamination.jsonl"], "w", encoding="utf-8") as con_f, _progress(total, progress) as bar:
            task = bar.add_task("curate", total=total)
            sieve = _Sieve(rules, spool, dropped_f, con_f)
            results = run_batches(score_batch, items(), workers=workers or os.cpu_count() or 1)
            for batch, res in _in_order(results, waiting):
                for ex, r in zip(batch, res):
                    bar.advance(task)
                    sieve.take(ex, r)
            spool.flush()
            train = _write_mix(sieve, sources, rules, target, seed, fmt, tmp)
        result = sieve.stats.to_dict(
            inputs=[{"source": s, "files": [str(f) for f in files]} for s, files in sources],
            train=train, rules=_rules_summary(rules, index, execute),
            seconds=round(time.monotonic() - started, 2),
        )
        write_json(tmp["stats.json"], result)
        tmp["summary.md"].write_text(summary_md(result), encoding="utf-8")
        tmp["index.html"].write_text(index_html(result), encoding="utf-8")
        for name, path in tmp.items():
            os.replace(path, out / name)
    finally:
        for path in tmp.values():
            path.unlink(missing_ok=True)
        spool_path.unlink(missing_ok=True)
    return result
