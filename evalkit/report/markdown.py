"""summary.md: the report's numbers as GitHub-flavoured Markdown (fits $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import re

from .. import compare as C
from ..leaderboard import MEAN_BOOT, Leaderboard
from .format import ILLUSTRATIVE, fmt_ci, fmt_delta, fmt_mean, fmt_mean_count, label, rollup_label, rollup_row

ARROW = {"better": "✔", "worse": "✘", "same": "", "info": ""}  # direction-aware: ✔ = candidate better


def cell(s: object) -> str:
    """Text from names we did not write, made inert: no control characters or line breaks (a CR
    splits a table row too), and the characters that open links and images, code spans, raw HTML
    and table cells escaped."""
    s = re.sub(r"[\x00-\x1f\x7f]", " ", str(s))
    return re.sub(r"([\\`\[\]|<>])", r"\\\1", s)


def rollup_table(cmp: C.Comparison) -> list[str]:
    lines = [f"| metric | {cell(cmp.baseline)} | {cell(cmp.candidate)} | change | 95% CI |", "|---|---:|---:|---:|---:|"]
    for r in map(rollup_row, cmp.rollup_stats):
        ch = (r.display_change + " · " if r.display_change else "") + r.delta
        arrow = ARROW[r.direction] + " " if ARROW[r.direction] else ""
        lines.append(f"| {cell(r.label)} | {r.base} | {r.cand} | {arrow}{'**' + ch + '**' if r.significant else ch} | "
                     f"{r.ci or '—'} |")
    return lines


def metric_table(cmp: C.Comparison) -> list[str]:
    lines = [f"| metric | {cell(cmp.baseline)} | {cell(cmp.candidate)} | Δ | 95% CI | W/T/L | McNemar p |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for m in cmp.metrics:
        s = cmp.metric_stats[m]
        ci = fmt_ci(s.ci_low, s.ci_high, fmt_delta) or "—"
        d = f"{ARROW[s.direction]} {fmt_delta(s.delta)}".strip()
        sig = s.significant and s.direction != "info"
        lines.append(f"| {cell(label(m))} | {fmt_mean_count(m, s.baseline_mean, s.baseline_count, s.baseline_n)} | "
                     f"{fmt_mean_count(m, s.candidate_mean, s.candidate_count, s.candidate_n)} | {'**' + d + '**' if sig else d} | "
                     f"{ci} | {s.wins}/{s.ties}/{s.losses} | {'—' if s.mcnemar_p is None else f'{s.mcnemar_p:.3g}'} |")
    return lines


def _ci(lo, hi, fmt) -> str:
    """" [lo, hi]" after a value, "" without an interval."""
    ci = fmt_ci(lo, hi, fmt)
    return f" {ci}" if ci else ""


def solo_tables(board: Leaderboard) -> list[str]:
    """One model: its roll-ups, every metric mean with its interval, pass@k, per-task means."""
    model = board.models[0]
    out = ["## Roll-ups (0–10)", "", f"| roll-up | {cell(model)} |", "|---|---:|"]
    for name, v in board.rollups.get(model, {}).items():
        out.append(f"| {cell(rollup_label(name))} | {'n/a' if v is None else f'{v:.1f}'} |")
    out += ["", "## Metrics", "", "| metric | mean | 95% CI | n |", "|---|---:|---:|---:|"]
    for m in board.metrics:
        mm = board.mean(model, m)
        if mm is None:
            continue
        n = f"{mm.count}/{mm.n}" if mm.count is not None else str(mm.n)
        ci = _ci(mm.ci_low, mm.ci_high, lambda v, m=m: fmt_mean(m, v)).strip() or "—"
        out.append(f"| {cell(label(m))} | {fmt_mean(m, mm.mean)} | {ci} | {n} |")
    return out + [""]


def leaderboard_tables(board: Leaderboard) -> list[str]:
    """Three or more models: each model's main means with intervals, each candidate's paired change."""
    cols = board.main
    head = "| model | " + " | ".join(cell(label(m)) for m in cols) + " |"
    rule = "|---|" + "---:|" * len(cols)
    out = [f"## Leaderboard (baseline {cell(board.baseline)})", "", head, rule]
    for mod in [board.baseline] + board.candidates:
        cells = []
        for m in cols:
            mm = board.mean(mod, m)
            cells.append("n/a" if mm is None else fmt_mean(m, mm.mean) + _ci(mm.ci_low, mm.ci_high,
                                                                             lambda v, m=m: fmt_mean(m, v)))
        out.append(f"| {cell(mod)}{' (baseline)' if mod == board.baseline else ''} | " + " | ".join(cells) + " |")
    out += ["", f"### Change against {cell(board.baseline)} (paired, 95% CI)", "",
            head.replace("| model |", "| candidate |", 1), rule]
    for mod in board.candidates:
        cells = []
        for m in cols:
            s = board.deltas.get(mod, {}).get(m)
            if s is None or s.delta is None:
                cells.append("n/a")
                continue
            d = f"{ARROW[s.direction]} {fmt_delta(s.delta)}".strip()
            d = f"**{d}**" if s.significant and s.direction != "info" else d
            cells.append(d + _ci(s.ci_low, s.ci_high, fmt_delta))
        out.append(f"| {cell(mod)} | " + " | ".join(cells) + " |")
    return out + ["", f"Model intervals: bootstrap over each model's responses ({MEAN_BOOT} resamples); changes: "
                  f"paired bootstrap over (task, sample) ({board.n_boot} resamples, seed {board.seed}); "
                  "bold: the interval excludes 0.", ""]


def passk_table(pass_at_k: dict, models: list[str]) -> list[str]:
    ks = sorted({k for d in pass_at_k.values() for k in d})
    if not ks:
        return []
    out = ["## pass@k", "", "| model | " + " | ".join(f"pass@{k}" for k in ks) + " |", "|---|" + "---:|" * len(ks)]
    for mod in [m for m in models if m in pass_at_k]:
        d = pass_at_k[mod]
        out.append(f"| {cell(mod)} | " + " | ".join("n/a" if k not in d else f"{d[k]:.3f}" for k in ks) + " |")
    return out + [""]


def solo_per_task(board: Leaderboard) -> list[str]:
    pt = board.per_task
    metrics = [m for m in board.metrics if C.is_main(m) and m in set(pt.metric)]
    if pt.empty or not metrics:
        return []
    out = ["## Per task (means)", "", "| task | " + " | ".join(cell(label(m)) for m in metrics) + " |",
           "|---|" + "---:|" * len(metrics)]
    wide = pt.pivot_table(index=["suite", "task_id"], columns="metric", values="mean", aggfunc="first")
    for (suite, task), row in wide.iterrows():
        vals = [row.get(m) for m in metrics]
        out.append(f"| {cell(suite)}/{cell(task)} | "
                   + " | ".join("n/a" if v is None or v != v else fmt_mean(m, float(v)) for m, v in zip(metrics, vals))
                   + " |")
    return out + [""]


def power_lines(power: dict | None) -> list[str]:
    """The smallest change each main metric could show, one sentence per metric (evalkit/power.py)."""
    if not power:
        return []
    out = ["## Smallest detectable change", "",
           "Paired, two-sided 95%, 80% power, from this run's own paired differences: "
           "(z0.975 + z0.80) × sd / √pairs. A true change below it would be missed more than one time in five.", ""]
    for m, e in power.items():
        words = e.sentence(label(m))
        out.append(f"- {cell(words[:1].upper() + words[1:])}")
    return out + [""]


def summary_markdown(run: dict, run_id: str, cmp: C.Comparison | None, models: list[str], *, demo: bool = False,
                     board: Leaderboard | None = None, power: dict | None = None) -> str:
    """power: metric -> evalkit.power.Detectable for the pair."""
    out = [f"# evalkit report — run {cell(run_id)}", ""]
    if demo:
        out += [f"> **Demo data.** {ILLUSTRATIVE}", ""]
    for alias, info in (run.get("models") or {}).items():
        info = info if isinstance(info, dict) else {}
        out.append(f"- **{cell(alias)}**: {cell(info.get('provider', ''))}:{cell(info.get('model', ''))}"
                   + (f" (digest {cell(str(info['digest'])[:24])})" if info.get("digest") else "")
                   + (f", from run {cell(info['from_run'])}" if info.get("from_run") else ""))
    suites = ", ".join(f"{cell(k)} v{cell((v or {}).get('version', '?'))}" for k, v in (run.get("suites") or {}).items())
    out += [f"- suites: {suites or 'n/a'} · sandbox: {cell(run.get('sandbox') or 'not recorded')} · "
            f"evalkit {cell(run.get('evalkit_version', ''))}", ""]
    if cmp is None:
        out += ["One model in this report: nothing to compare it with; its means follow.", ""]
        if board is not None and board.models:
            out += solo_tables(board) + passk_table(board.pass_at_k, board.models) + solo_per_task(board)
        return "\n".join(out) + "\n"
    if board is not None and len(board.models) > 2:
        out += leaderboard_tables(board)
    out += [f"## {cell(cmp.baseline)} → {cell(cmp.candidate)}", ""] + rollup_table(cmp) + [""]
    out += ["✔ the candidate is better, ✘ worse (following each metric's direction); "
            "bold: the 95% paired-bootstrap interval excludes 0 "
            f"({cmp.n_boot} resamples, seed {cmp.seed}).", "", "## Metrics", ""] + metric_table(cmp) + [""]
    out += power_lines(power)
    out += passk_table(cmp.pass_at_k, models)
    # per task: the main means, so a reviewer sees where the change comes from
    pt = cmp.per_task
    if not pt.empty:
        metrics = [m for m in cmp.metrics if m in set(pt.metric)]
        out += ["## Per task (candidate − baseline)", "", "| task | " + " | ".join(cell(label(m)) for m in metrics) + " |",
                "|---|" + "---:|" * len(metrics)]
        wide = pt[pt.model.isin([cmp.baseline, cmp.candidate])].pivot_table(
            index=["suite", "task_id"], columns=["model", "metric"], values="mean", aggfunc="first")
        for (suite, task), row in wide.iterrows():
            cells = []
            for m in metrics:
                b, c = row.get((cmp.baseline, m)), row.get((cmp.candidate, m))
                ok = b is not None and c is not None and b == b and c == c
                cells.append(f"{fmt_mean(m, float(b))} → {fmt_mean(m, float(c))}" if ok else "n/a")
            out.append(f"| {cell(suite)}/{cell(task)} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out) + "\n"


# ---- the gate -----------------------------------------------------------------------------------
def gate_markdown(result) -> str:
    icon = "✅ pass" if result.passed else "❌ regression"
    out = [f"## evalkit gate: {icon}", "",
           f"Candidate **{cell(result.candidate)}** vs baseline **{cell(result.baseline)}** · run {cell(result.run_id)} · "
           f"rules: {cell(result.rules_source)}", "",
           "| rule | baseline | candidate | Δ | 95% CI | tolerance | result |", "|---|---:|---:|---:|---:|---|---|"]

    def num(v):
        return "n/a" if v is None else f"{v:.3g}"
    unscored = [o.name for o in result.outcomes if o.status == "skip" and not o.explicit and o.delta is None]
    for o in result.outcomes:
        if o.name in unscored:
            continue
        status = {"pass": "✅ pass", "fail": "❌ **FAIL**", "skip": "⏭ skip", "error": "⚠️ no data"}[o.status]
        ci = "—" if o.ci_low is None else f"[{o.ci_low:+.3g}, {o.ci_high:+.3g}]"
        delta = "n/a" if o.delta is None else f"{o.delta:+.3g}"
        out.append(f"| {cell(o.name)} | {num(o.baseline)} | {num(o.candidate)} | {delta} | {ci} | "
                   f"{cell(o.describe_rule())} | {status} |")
    if unscored:
        out += ["", f"Not scored in this run (default rules skipped): {cell(', '.join(unscored))}."]
    if result.failed or result.errors:
        out += ["", "### What failed", ""]
        for o in result.failed + result.errors:
            out.append(f"- **{cell(o.name)}**: {cell(o.message)}")
            if o.worst_tasks:
                worst = ", ".join(f"{cell(w.get('suite', ''))}/{cell(w['task_id'])} ({w['delta']:+.2f})"
                                  for w in o.worst_tasks[:5])
                out.append(f"  - worst tasks: {worst}")
    out.append("")
    return "\n".join(out) + "\n"
