"""The table printed at the end of `evalkit run`: roll-ups and main metric means, with the change."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from .. import compare as C
from .html import fmt_delta, fmt_mean, label, rollup_label

STYLE = {"info": "", "better": "green", "better-sig": "bold green", "worse": "red", "worse-sig": "bold red", "same": "dim"}


def summary_table(store, run_id: str, baseline: str | None = None, candidate: str | None = None,
                  *, n_boot: int = C.DEFAULT_BOOT, comparison: tuple | None = None) -> Table:
    """comparison: what run_comparison returned for this run and pair, if the caller has it already."""
    from . import run_comparison

    run, models, df, cmp = comparison or run_comparison(store, run_id, baseline, candidate, n_boot=n_boot)
    if cmp is None:
        table = Table(title=Text(f"evalkit run {run_id}"))
        table.add_column("metric")
        for m in models:
            table.add_column(Text(m), justify="right")
        for metric in C.order_metrics(df["metric"].unique().tolist()):
            table.add_row(label(metric), *[fmt_mean(metric, _mean(df, m, metric)) for m in models])
        return table
    # names come from the user or a results file: Text, never Rich markup
    table = Table(title=Text(f"evalkit run {run_id}: {cmp.baseline} → {cmp.candidate}"))
    table.add_column("metric")
    table.add_column(Text(cmp.baseline), justify="right")
    table.add_column(Text(cmp.candidate), justify="right")
    table.add_column("change", justify="right")
    table.add_column("95% CI", justify="right", style="dim")
    for r in cmp.rollup_stats:
        sig = r.ci_low is not None and (r.ci_low > 0 or r.ci_high < 0)
        direction = "same" if r.delta is None or abs(r.delta) < 1e-9 else ("better" if r.delta > 0 else "worse")
        key = direction + ("-sig" if sig and direction != "same" else "")
        b = r.display_baseline or ("n/a" if r.baseline is None else f"{r.baseline:.1f}/10")
        c = r.display_candidate or ("n/a" if r.candidate is None else f"{r.candidate:.1f}/10")
        ch = (r.display_change + " " if r.display_change else "") + fmt_delta(r.delta, 1)
        ci = "" if r.ci_low is None else f"[{fmt_delta(r.ci_low, 1)}, {fmt_delta(r.ci_high, 1)}]"
        table.add_row(Text(rollup_label(r.name), style="bold"), b, c, Text(ch, style=STYLE[key]), ci)
    if cmp.rollup_stats:
        table.add_section()
    for m in [m for m in cmp.metrics if C.is_main(m)] or cmp.metrics:
        s = cmp.metric_stats[m]
        key = s.direction + ("-sig" if s.significant and s.direction not in ("same", "info") else "")
        ci = "" if s.ci_low is None else f"[{fmt_delta(s.ci_low)}, {fmt_delta(s.ci_high)}]"
        table.add_row(label(m), fmt_mean(m, s.baseline_mean), fmt_mean(m, s.candidate_mean),
                      Text(fmt_delta(s.delta), style=STYLE[key]), ci)
    if cmp.pass_at_k:
        table.add_section()
        ks = sorted({k for d in cmp.pass_at_k.values() for k in d})
        for k in ks:
            vb = cmp.pass_at_k.get(cmp.baseline, {}).get(k)
            vc = cmp.pass_at_k.get(cmp.candidate, {}).get(k)
            d = None if vb is None or vc is None else vc - vb
            style = STYLE["same" if not d else ("better" if d > 0 else "worse")]
            table.add_row(f"pass@{k}", "n/a" if vb is None else f"{vb:.3f}", "n/a" if vc is None else f"{vc:.3f}",
                          Text(fmt_delta(d, 3), style=style), "")
    return table


def _mean(df, model: str, metric: str):
    v = df[(df.model == model) & (df.metric == metric)]["value"].mean()
    return None if v != v else float(v)
