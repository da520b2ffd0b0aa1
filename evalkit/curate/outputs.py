"""What curate writes: train.jsonl in a chat format, stats, summary.md and index.html.

Everything in index.html that comes from the dataset (ids, sources, reasons, task names) is
HTML-escaped: it is untrusted text. The page is self-contained (inline CSS, no scripts).
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from pathlib import Path

from .inputs import Example

FORMATS = ("openai", "sharegpt", "alpaca")
_SHAREGPT = {"user": "human", "assistant": "gpt", "system": "system"}
# fixed histogram bins, so the distributions are counted while streaming
RATIO_BINS = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
QUALITY_BINS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
MAX_HITS_SHOWN = 500


def formatted(ex: Example, fmt: str) -> dict:
    if fmt == "openai":
        return {"messages": [{"role": m["role"], "content": m["content"]} for m in ex.messages]}
    if fmt == "sharegpt":
        return {"conversations": [{"from": _SHAREGPT[m["role"]], "value": m["content"]} for m in ex.messages]}
    # alpaca: one instruction and one answer (earlier turns of a chat join the instruction)
    if ex.instruction is not None:
        return {"instruction": ex.instruction, "input": ex.input or "", "output": ex.response}
    return {"instruction": ex.prompt, "input": "", "output": ex.response}


def _bin(value: float, bins: list[float]) -> int:
    i = 0
    for j, edge in enumerate(bins):
        if value >= edge:
            i = j
    return i


def _label(bins: list[float], i: int) -> str:
    return f"{bins[i]:g}-{bins[i + 1]:g}" if i + 1 < len(bins) else f">={bins[i]:g}"


class Stats:
    """Counts kept while the examples stream past (nothing per example is held)."""

    def __init__(self):
        self.read = 0
        self.by_source: dict[str, Counter] = defaultdict(Counter)   # source -> read/kept/dropped
        self.reasons: Counter = Counter()
        self.reasons_by_source: dict[str, Counter] = defaultdict(Counter)
        self.hist = {f"{k}_{w}": [0] * len(b) for k, b in (("ratio", RATIO_BINS), ("quality", QUALITY_BINS))
                     for w in ("before", "after")}
        self.quality_not_judged = Counter()
        self.hits: list[dict] = []
        self.hit_count = 0
        self.hit_tasks: Counter = Counter()

    def seen(self, source: str, metrics: dict | None) -> None:
        self.read += 1
        self.by_source[source]["read"] += 1
        if metrics:
            self._histo(metrics, "before", +1)

    def _histo(self, m: dict, when: str, delta: int) -> None:
        self.hist[f"ratio_{when}"][_bin(m["code_prose_char_ratio"], RATIO_BINS)] += delta
        if m.get("quality") is None:
            self.quality_not_judged[when] += delta
        else:
            self.hist[f"quality_{when}"][_bin(m["quality"], QUALITY_BINS)] += delta

    def kept(self, source: str, metrics: dict) -> None:
        self.by_source[source]["kept"] += 1
        self._histo(metrics, "after", +1)

    def unkept(self, source: str, metrics: dict) -> None:
        """A kept example displaced later by a better copy."""
        self.by_source[source]["kept"] -= 1
        self._histo(metrics, "after", -1)

    def dropped(self, source: str, reason: str) -> None:
        self.by_source[source]["dropped"] += 1
        self.reasons[reason] += 1
        self.reasons_by_source[source][reason] += 1

    def contaminated(self, ex_id: str, source: str, hits: list[dict]) -> None:
        self.hit_count += 1
        for task in {h["task"] for h in hits}:
            self.hit_tasks[task] += 1
        if len(self.hits) < MAX_HITS_SHOWN:
            self.hits.append({"id": ex_id, "source": source, "hits": hits[:5]})

    def to_dict(self, **extra) -> dict:
        hist = {k: {_label(RATIO_BINS if k.startswith("ratio") else QUALITY_BINS, i): n for i, n in enumerate(v)}
                for k, v in self.hist.items()}
        return {
            "read": self.read,
            "kept": sum(c["kept"] for c in self.by_source.values()),
            "dropped": sum(c["dropped"] for c in self.by_source.values()),
            "sources": {s: dict(c) for s, c in sorted(self.by_source.items())},
            "dropped_by_reason": dict(self.reasons.most_common()),
            "dropped_by_source_and_reason": {s: dict(c.most_common()) for s, c in sorted(self.reasons_by_source.items())},
            "distributions": {"code_prose_char_ratio": {"before": hist["ratio_before"], "after": hist["ratio_after"]},
                              "quality": {"before": hist["quality_before"], "after": hist["quality_after"],
                                          "not_judged": dict(self.quality_not_judged)}},
            "contamination": {"examples": self.hit_count, "by_task": dict(self.hit_tasks.most_common()),
                              "first_hits": self.hits},
            **extra,
        }


def summary_md(stats: dict) -> str:
    lines = ["# evalkit curate", "",
             f"Read {stats['read']} examples; kept {stats['kept']} distinct; wrote {stats['train']['rows']} rows to "
             f"`train.jsonl` ({stats['train']['format']} format, seed {stats['train']['seed']}); dropped "
             f"{stats['dropped']} (`dropped.jsonl`).", "",
             "| source | read | kept | dropped | weight | rows in train.jsonl |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for s, c in stats["sources"].items():
        lines.append(f"| {s} | {c.get('read', 0)} | {c.get('kept', 0)} | {c.get('dropped', 0)} | "
                     f"{stats['train']['weights'].get(s, 1.0):g} | {stats['train']['rows_by_source'].get(s, 0)} |")
    lines += ["", "## Dropped, by reason", "", "| reason | examples |", "| --- | ---: |"]
    lines += [f"| {r.replace('|', '/')} | {n} |" for r, n in stats["dropped_by_reason"].items()]
    con = stats["contamination"]
    lines += ["", "## Contamination", "",
              f"{con['examples']} example(s) overlap an evaluation task (n-gram overlap >= "
              f"{stats['rules']['decontaminate']['threshold']:g}, {stats['rules']['decontaminate']['tasks']} tasks "
              "indexed); each is in `dropped.jsonl` and `contamination.jsonl` with the task it matched.", ""]
    if con["by_task"]:
        lines += ["| task | examples |", "| --- | ---: |"]
        lines += [f"| {t} | {n} |" for t, n in list(con["by_task"].items())[:50]]
    lines.append("")
    return "\n".join(lines)


def _bars(title: str, before: dict, after: dict) -> str:
    top = max([*before.values(), *after.values(), 1])
    rows = []
    for label in before:
        b, a = before[label], after.get(label, 0)
        rows.append(f"<tr><td>{html.escape(label)}</td><td class=n>{b}</td><td><span class='bar b' "
                    f"style='width:{160 * b / top:.0f}px'></span></td><td class=n>{a}</td><td><span class='bar a' "
                    f"style='width:{160 * a / top:.0f}px'></span></td></tr>")
    return (f"<h2>{html.escape(title)}</h2><table><tr><th>bin</th><th>before</th><th></th><th>after</th><th></th></tr>"
            + "".join(rows) + "</table>")


def index_html(stats: dict) -> str:
    e = html.escape
    src_rows = "".join(
        f"<tr><td>{e(s)}</td><td class=n>{c.get('read', 0)}</td><td class=n>{c.get('kept', 0)}</td>"
        f"<td class=n>{c.get('dropped', 0)}</td><td class=n>{stats['train']['rows_by_source'].get(s, 0)}</td></tr>"
        for s, c in stats["sources"].items())
    reason_rows = "".join(
        f"<tr><td>{e(s)}</td><td>{e(r)}</td><td class=n>{n}</td></tr>"
        for s, rs in stats["dropped_by_source_and_reason"].items() for r, n in rs.items())
    con = stats["contamination"]
    hit_rows = "".join(
        f"<tr><td>{e(h['id'])}</td><td>{e(h['source'])}</td><td>"
        + "<br>".join(e(f"{x['field']} contains {x['overlap']:.0%} of {x['task']} {x['part']}") for x in h["hits"])
        + "</td></tr>" for h in con["first_hits"])
    dist = stats["distributions"]
    body = f"""<h1>evalkit curate</h1>
<p>Read {stats['read']} examples, kept {stats['kept']} distinct, dropped {stats['dropped']};
<code>train.jsonl</code>: {stats['train']['rows']} rows ({e(stats['train']['format'])}, seed {stats['train']['seed']}).</p>
<h2>By source</h2><table><tr><th>source</th><th>read</th><th>kept</th><th>dropped</th><th>rows in train.jsonl</th></tr>{src_rows}</table>
<h2>Dropped, by source and reason</h2><table><tr><th>source</th><th>reason</th><th>examples</th></tr>{reason_rows}</table>
{_bars("Code:explanation characters (before = every scored example, after = kept)", dist['code_prose_char_ratio']['before'], dist['code_prose_char_ratio']['after'])}
{_bars("Quality", dist['quality']['before'], dist['quality']['after'])}
<p>Quality not judged (no Python code): {dist['quality']['not_judged'].get('before', 0)} before, {dist['quality']['not_judged'].get('after', 0)} after.</p>
<h2>Contamination hits ({con['examples']} examples{', first ' + str(len(con['first_hits'])) + ' shown' if con['examples'] > len(con['first_hits']) else ''})</h2>
<table><tr><th>example</th><th>source</th><th>overlaps</th></tr>{hit_rows}</table>"""
    css = ("body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:.5em 0}"
           "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}.n{text-align:right}"
           ".bar{display:inline-block;height:10px}.b{background:#9ab}.a{background:#3a7}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>evalkit curate</title><style>{css}</style>"
            f"</head><body>{body}</body></html>\n")


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
