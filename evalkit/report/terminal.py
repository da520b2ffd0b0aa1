"""The table printed at the end of `evalkit run`: roll-ups and main metric means, with the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .. import compare as C
from ..leaderboard import Leaderboard
from .format import delta_class, fmt_ci, fmt_delta, fmt_mean, label, rollup_label, rollup_row

if TYPE_CHECKING:
    from . import RunComparison

STYLE = {"info": "", "better": "green", "better-sig": "bold green", "worse": "red", "worse-sig": "bold red", "same": "dim"}


def summary_table(store, run_id: str, baseline: str | None = None, candidate: str | None = None,
                  *, n_boot: int = C.DEFAULT_BOOT, comparison: RunComparison | None = None) -> Table | Group:
    """comparison: what run_comparison returned for this run and pair, if the caller has it already.
    One model: its roll-ups, means and pass@k. Three or more: the leaderboard, then the pair."""
    from . import run_comparison

    rc = comparison or run_comparison(store, run_id, baseline, candidate, n_boot=n_boot)
    cmp, board = rc.cmp, rc.board
    if cmp is None:
        return solo_table(run_id, board)
    pair = pair_table(run_id, cmp)
    return Group(leaderboard_table(run_id, board), pair) if len(board.models) > 2 else pair


def solo_table(run_id: str, board: Leaderboard) -> Table:
    model = board.models[0] if board.models else ""
    table = Table(title=Text(f"evalkit run {run_id}: {model} (one model, nothing to compare)"))
    table.add_column("metric")
    table.add_column(Text(model), justify="right")
    table.add_column("95% CI", justify="right", style="dim")
    for name, v in board.rollups.get(model, {}).items():
        table.add_row(Text(rollup_label(name), style="bold"), "n/a" if v is None else f"{v:.1f}/10", "")
    table.add_section()
    for m in [m for m in board.metrics if C.is_main(m)] or board.metrics:
        mm = board.mean(model, m)
        if mm is not None:
            table.add_row(label(m), fmt_mean(m, mm.mean), fmt_ci(mm.ci_low, mm.ci_high, lambda v, m=m: fmt_mean(m, v)))
    ks = sorted(board.pass_at_k.get(model, {}))
    if ks:
        table.add_section()
        for k in ks:
            table.add_row(f"pass@{k}", f"{board.pass_at_k[model][k]:.3f}", "")
    return table


def leaderboard_table(run_id: str, board: Leaderboard) -> Table:
    """Rows: models; columns: main metrics, each the mean and (candidates) the paired change."""
    table = Table(title=Text(f"evalkit run {run_id}: {len(board.models)} models against {board.baseline}"))
    table.add_column("model")
    for m in board.main:
        table.add_column(label(m), justify="right")
    for mod in [board.baseline] + board.candidates:
        cells = []
        for m in board.main:
            mm = board.mean(mod, m)
            text = Text(fmt_mean(m, None if mm is None else mm.mean))
            s = board.deltas.get(mod, {}).get(m)
            if s is not None and s.delta is not None:
                key = s.direction + ("-sig" if s.significant and s.direction not in ("same", "info") else "")
                text.append(f" {fmt_delta(s.delta)}", style=STYLE[key])
            cells.append(text)
        table.add_row(Text(mod + (" (baseline)" if mod == board.baseline else "")), *cells)
    return table


def pair_table(run_id: str, cmp: C.Comparison) -> Table:    # names come from the user or a results file: Text, never Rich markup
    table = Table(title=Text(f"evalkit run {run_id}: {cmp.baseline} → {cmp.candidate}"))
    table.add_column("metric")
    table.add_column(Text(cmp.baseline), justify="right")
    table.add_column(Text(cmp.candidate), justify="right")
    table.add_column("change", justify="right")
    table.add_column("95% CI", justify="right", style="dim")
    for r in map(rollup_row, cmp.rollup_stats):
        ch = (r.display_change + " " if r.display_change else "") + r.delta
        table.add_row(Text(r.label, style="bold"), r.base, r.cand,
                      Text(ch, style=STYLE[delta_class(r.direction, r.significant)]), r.ci)
    if cmp.rollup_stats:
        table.add_section()
    for m in [m for m in cmp.metrics if C.is_main(m)] or cmp.metrics:
        s = cmp.metric_stats[m]
        key = s.direction + ("-sig" if s.significant and s.direction not in ("same", "info") else "")
        ci = fmt_ci(s.ci_low, s.ci_high, fmt_delta)
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

