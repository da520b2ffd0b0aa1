"""The CI gate: rules per metric -> a verdict (pass / regression); usage problems raise EvalkitError.

``check(comparison, rules)`` judges a comparison already computed (no second bootstrap) and renders
nothing: report/verdict.py, report/markdown.py and report/junit.py turn the verdict into the log
line and files, and the CLI into exit 0 (pass) / 1 (regression) / 2 (error).

Rules file (YAML; every key optional, see docs/report-and-gate.md)::

    metrics:                      # merged over the built-in rules (default_rules), metric by metric
      runs_ok:   {max_drop: 0.0, min: 0.8}
      quality:   {max_drop: 0.10, require_significance: true}
      code_prose_ratio: {max_rel_drop: 0.25}
      thinking_lines: {enabled: false}
    rollups:                      # optional rules on the 0-10 roll-ups
      code_correctness: {max_drop: 0.5, min: 6}
    defaults: {require_significance: false}   # applied to every rule that does not set the key
    only_listed: false            # true: gate only the metrics listed here (no built-in rules)

A rule fails when the candidate is worse than the baseline by more than the tolerance
(``max_drop``, absolute, in the metric's own unit; or ``max_rel_drop`` x |baseline mean|; the larger
when both are set), or when the candidate's mean is below ``min`` (above ``max``). With
``require_significance`` the drop must also be beyond the tolerance for the whole 95% interval
(its upper bound below -max_drop). "Worse" follows the metric's direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from . import compare as C
from .errors import EvalkitError
from .scorers import registry
from .yamlfile import load_mapping


def default_rules() -> dict[str, dict]:
    """The built-in rules: each metric's own ``gate`` rule, declared with it by its scorer
    (scorers/registry.py). Sensible for CI on a handful of samples per task: 5 points of a 0..1
    rate is a real drop, a 25% fall of the (unbounded) code:prose ratio a real change of style;
    failed requests (`error`, lower is better: a "drop" is a rise) come first."""
    return {name: _check_rule(f"declared by scorer {registry.metric(name).source}", name, rule)
            for name, rule in registry.default_gate_rules().items()}


RULE_KEYS = {"max_drop", "max_rel_drop", "min", "max", "require_significance", "enabled"}
EPS = 1e-9


@dataclass
class RuleOutcome:
    name: str                   # metric, or "rollup:<name>"
    rule: dict
    status: str                 # pass | fail | skip | error
    message: str
    baseline: float | None = None
    candidate: float | None = None
    delta: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n_pairs: int = 0
    worst_tasks: list[dict] = field(default_factory=list)
    explicit: bool = False      # named in the rules file

    def describe_rule(self) -> str:
        parts = []
        for k in ("max_drop", "max_rel_drop", "min", "max"):
            if self.rule.get(k) is not None:
                parts.append(f"{k} {self.rule[k]:g}")
        if self.rule.get("require_significance"):
            parts.append("significant only")
        return ", ".join(parts) or "report only"


@dataclass
class GateResult:
    run_id: str
    baseline: str
    candidate: str
    outcomes: list[RuleOutcome]
    rules_source: str

    @property
    def failed(self) -> list[RuleOutcome]:
        return [o for o in self.outcomes if o.status == "fail"]

    @property
    def errors(self) -> list[RuleOutcome]:
        return [o for o in self.outcomes if o.status == "error"]

    @property
    def passed(self) -> bool:
        return not self.failed and not self.errors


# ---- rules --------------------------------------------------------------------------------------
class Rules(NamedTuple):
    """What a rules file says, merged over the built-in rules."""

    metrics: dict[str, dict]    # metric -> rule
    rollups: dict[str, dict]    # roll-up -> rule
    explicit: set[str]          # names the file lists (a rule on a metric nobody scored is an error)
    source: str                 # for messages: the file, or "built-in defaults"


def load_rules(path: "str | Path | None") -> Rules:
    """The rules of a file, or the built-in rules for None."""
    if path is None:
        return Rules(default_rules(), {}, set(), "built-in defaults")
    if not Path(path).exists():
        raise EvalkitError(f"gate rules file {path} not found; pass --rules FILE or omit it for the defaults")
    return rules_from_mapping(load_mapping(path, "gate rules", "docs/report-and-gate.md"), str(path))


def rules_from_mapping(data: dict, path: str = "(mapping)") -> Rules:
    """load_rules for the contents of a rules file (e.g. a dict given to the Python API)."""
    if not isinstance(data, dict):
        raise EvalkitError(f"gate rules {path}: expected a mapping with metrics, rollups, defaults, only_listed")
    unknown_top = set(data) - {"metrics", "rollups", "defaults", "only_listed"}
    if unknown_top:
        raise EvalkitError(f"gate rules {path}: unknown key(s) {', '.join(sorted(unknown_top))}; "
                           "expected metrics, rollups, defaults, only_listed")
    defaults = _check_rule(path, "defaults", data.get("defaults") or {})
    listed = _section(path, data, "metrics")
    rollups = _section(path, data, "rollups")
    metrics = {} if data.get("only_listed") else default_rules()
    for name, rule in listed.items():
        metrics[name] = {**({} if rule.get("max_drop") is not None or rule.get("max_rel_drop") is not None
                            else metrics.get(name, {})), **rule}
    for rules in (metrics, rollups):
        for name in rules:
            rules[name] = {**defaults, **rules[name]}
    explicit = set(listed) | {f"rollup:{n}" for n in rollups}
    return Rules(metrics, rollups, explicit, str(path))


def _section(path: str, data: dict, key: str) -> dict[str, dict]:
    sec = data.get(key) or {}
    if not isinstance(sec, dict):
        raise EvalkitError(f"gate rules {path}: '{key}' must map names to rules")
    return {str(k): _check_rule(path, f"{key}.{k}", v or {}) for k, v in sec.items()}


def _check_rule(path: str, where: str, rule: Any) -> dict:
    if not isinstance(rule, dict):
        raise EvalkitError(f"gate rules {path}: {where} must be a mapping like {{max_drop: 0.05}}")
    bad = set(rule) - RULE_KEYS
    if bad:
        raise EvalkitError(f"gate rules {path}: {where} has unknown key(s) {', '.join(sorted(bad))}; "
                           f"allowed: {', '.join(sorted(RULE_KEYS))}")
    for k in ("max_drop", "max_rel_drop", "min", "max"):
        if rule.get(k) is not None and (isinstance(rule[k], bool) or not isinstance(rule[k], (int, float))):
            raise EvalkitError(f"gate rules {path}: {where}.{k} must be a number")
        if k in ("max_drop", "max_rel_drop") and rule.get(k) is not None and rule[k] < 0:
            raise EvalkitError(f"gate rules {path}: {where}.{k} must be >= 0")
    return dict(rule)


# ---- evaluation ---------------------------------------------------------------------------------
def evaluate_rule(name: str, rule: dict, *, higher_is_better: bool, baseline: float | None,
                  candidate: float | None, delta: float | None, ci_low: float | None, ci_high: float | None,
                  n_pairs: int, explicit: bool, worst: list[dict] | None = None) -> RuleOutcome:
    out = RuleOutcome(name=name, rule=rule, status="pass", message="", baseline=baseline, candidate=candidate,
                      delta=delta, ci_low=ci_low, ci_high=ci_high, n_pairs=n_pairs, worst_tasks=worst or [],
                      explicit=explicit)
    if rule.get("enabled") is False:
        out.status, out.message = "skip", "disabled in the rules"
        return out
    if candidate is None and baseline is not None:
        out.status = "fail"
        out.message = f"the baseline has {name} scores and the candidate none (did its requests fail?)"
        return out
    if delta is None or candidate is None:
        out.status = "error" if explicit else "skip"
        out.message = (f"no paired scores for {name} (was it scored for both models?)")
        return out
    tol = 0.0
    if rule.get("max_drop") is not None:
        tol = float(rule["max_drop"])
    if rule.get("max_rel_drop") is not None and baseline is not None:
        tol = max(tol, float(rule["max_rel_drop"]) * abs(baseline))
    has_tolerance = rule.get("max_drop") is not None or rule.get("max_rel_drop") is not None
    worsening = -delta if higher_is_better else delta          # > 0: the candidate is worse
    reasons = []
    if has_tolerance:
        if rule.get("require_significance"):
            # the whole interval must lie beyond the tolerance, and rest on enough pairs to mean it
            enough = ci_low is not None and n_pairs >= C.MIN_PAIRS_FOR_SIGNIFICANCE
            bound = (-ci_high if higher_is_better else ci_low) if enough else None
            if bound is not None and bound > tol + EPS:
                reasons.append(f"{'dropped' if higher_is_better else 'rose'} by {abs(delta):.3g} with 95% CI "
                               f"[{ci_low:+.3g}, {ci_high:+.3g}] entirely beyond the tolerance {tol:.3g}")
        elif worsening > tol + EPS:
            reasons.append(f"{'dropped' if higher_is_better else 'rose'} by {abs(delta):.3g} "
                           f"({baseline:.3g} → {candidate:.3g}), more than the tolerance {tol:.3g}")
    if rule.get("min") is not None and candidate < float(rule["min"]) - EPS:
        reasons.append(f"candidate mean {candidate:.3g} is below the floor {rule['min']:g}")
    if rule.get("max") is not None and candidate > float(rule["max"]) + EPS:
        reasons.append(f"candidate mean {candidate:.3g} is above the ceiling {rule['max']:g}")
    if reasons:
        out.status, out.message = "fail", "; ".join(reasons)
    else:
        out.message = (f"Δ {delta:+.3g} within tolerance {tol:.3g}" if has_tolerance else f"Δ {delta:+.3g}")
    return out


def evaluate(cmp: C.Comparison, metric_rules: dict, rollup_rules: dict, explicit: set[str]) -> list[RuleOutcome]:
    outcomes = []
    for name, rule in metric_rules.items():
        s = cmp.metric_stats.get(name)
        if s is None:
            outcomes.append(evaluate_rule(name, rule, higher_is_better=C.higher_is_better(name), baseline=None,
                                          candidate=None, delta=None, ci_low=None, ci_high=None, n_pairs=0,
                                          explicit=name in explicit))
            continue
        outcomes.append(evaluate_rule(
            name, rule, higher_is_better=s.higher_is_better, baseline=s.baseline_mean, candidate=s.candidate_mean,
            delta=s.delta, ci_low=s.ci_low, ci_high=s.ci_high, n_pairs=s.n_pairs, explicit=name in explicit,
            worst=s.worst_tasks))
    stats = {r.name: r for r in cmp.rollup_stats}
    for name, rule in rollup_rules.items():
        r = stats.get(name)
        key = f"rollup:{name}"
        outcomes.append(evaluate_rule(
            key, rule, higher_is_better=True, baseline=r.baseline if r else None, candidate=r.candidate if r else None,
            delta=r.delta if r else None, ci_low=r.ci_low if r else None, ci_high=r.ci_high if r else None,
            n_pairs=0, explicit=True))
    return outcomes


# ---- entry point --------------------------------------------------------------------------------
def check(cmp: C.Comparison, rules: "str | Path | dict | Rules | None" = None, *, run_id: str = "") -> GateResult:
    """The verdict on a computed comparison: no statistics are recomputed and nothing is rendered
    (report/markdown.gate_markdown, report/junit.gate_junit and report/verdict.verdict_text do that).
    rules: a rules file, its contents as a mapping, what load_rules returned, or None (built-in)."""
    if isinstance(rules, Rules):
        metric_rules, rollup_rules, explicit, source = rules
    elif isinstance(rules, dict):
        metric_rules, rollup_rules, explicit, source = rules_from_mapping(rules)
    else:
        metric_rules, rollup_rules, explicit, source = load_rules(rules)
    return GateResult(run_id=run_id, baseline=cmp.baseline, candidate=cmp.candidate,
                      outcomes=evaluate(cmp, metric_rules, rollup_rules, explicit), rules_source=source)
