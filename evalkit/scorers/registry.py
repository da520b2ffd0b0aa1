"""The metric registry: every scorer, its version and the metrics it produces, in one place.

Built-in scorers declare themselves at the top of their module (``VERSION``, ``METRICS``, optional
``NEEDS``/``PROVIDES``/``PERSIST``/``EXECUTE``); metrics that no scorer produces (the request's own
``error``, latency, tokens) are declared here. Third-party scorers register through the Python
entry point group ``evalkit.scorers``: each entry point names a ``Scorer`` object or a module
written like the built-in ones. compare, roll-ups, report and gate look metrics up here, so adding
a metric is one module (plus its entry point) and nothing else.

A plugin that fails to load or declares nonsense stops evalkit with one line naming it (exit 2):
scores silently missing a metric would be worse than no scores.
"""

from __future__ import annotations

import importlib
import re
import types
from collections.abc import Set as AbcSet
from dataclasses import dataclass, field, replace
from importlib import metadata

from ..errors import EvalkitError
from .base import Metric, Scorer

GROUP = "evalkit.scorers"
# execution first: its artifacts (probes) are evidence for features and claims
BUILTIN = ("execution", "syntax", "ratio", "claims", "features", "quality")
REQUEST_METRICS = (  # recorded by the generation step, not by a scorer
    Metric("error", "request error", direction="lower", kind="pass_fail", gate={"max_drop": 0.05}, source="request"),
    Metric("latency_s", direction="lower", source="request"),
    Metric("completion_tokens", direction="lower", source="request"),
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class Registry:
    scorers: list[Scorer] = field(default_factory=list)
    metrics: dict[str, Metric] = field(default_factory=dict)

    def add(self, scorer: Scorer, origin: str) -> None:
        problem = _problem(self, scorer)
        if problem:
            raise EvalkitError(f"{origin}: {problem}; fix or uninstall it")
        self.scorers.append(scorer)
        for m in scorer.metrics:
            self.metrics[m.name] = replace(m, source=scorer.name)
        error = f"scorer_error_{scorer.name}"  # what score_response records when the scorer raises
        self.metrics[error] = Metric(error, source=scorer.name)


def _problem(reg: Registry, scorer) -> str | None:
    if not isinstance(scorer, Scorer):
        return f"is a {type(scorer).__name__}, not an evalkit.scorers.base.Scorer"
    if not _NAME.match(scorer.name) or any(s.name == scorer.name for s in reg.scorers):
        return f"scorer name {scorer.name!r} is taken or not a lower_case name"
    if not isinstance(scorer.version, str) or not scorer.version or ":" in scorer.version or "+" in scorer.version:
        return f"scorer {scorer.name}: version must be a non-empty string without ':' or '+'"
    if not callable(scorer.score):
        return f"scorer {scorer.name}: score is not callable"
    provided = {k for s in reg.scorers for k in s.provides}
    if any(n not in provided for n in scorer.needs):
        return f"scorer {scorer.name} needs {', '.join(scorer.needs)}; no scorer registered before it provides that"
    if len({getattr(m, "name", None) for m in scorer.metrics}) != len(scorer.metrics):
        return f"scorer {scorer.name} declares a metric twice"
    for m in scorer.metrics:
        if not isinstance(m, Metric):
            return f"scorer {scorer.name}: metrics must be Metric records"
        if not _NAME.match(m.name) or m.name in reg.metrics:
            return f"scorer {scorer.name}: metric name {m.name!r} is taken or not a lower_case name"
    return None


def from_module(module: types.ModuleType, name: str | None = None) -> Scorer:
    """A scorer declared the built-in way: VERSION, METRICS and score() at module level."""
    fn = getattr(module, "score", None)
    if fn is None and getattr(module, "EXECUTE", False):
        fn = _execution_adapter(module)
    return Scorer(
        name=name or module.__name__.rsplit(".", 1)[-1], version=getattr(module, "VERSION", ""),
        metrics=tuple(getattr(module, "METRICS", ())), score=fn,
        needs=tuple(getattr(module, "NEEDS", ())), provides=tuple(getattr(module, "PROVIDES", ())),
        persist=tuple(getattr(module, "PERSIST", ())), execute=bool(getattr(module, "EXECUTE", False)),
    )


def _execution_adapter(module):
    def score(task, ex, artifacts: dict) -> list:
        scores, produced = module.run(task, ex, sandbox_mode=artifacts.get("sandbox_mode", "auto"))
        artifacts.update(produced)
        return scores

    return score


def _load() -> Registry:
    reg = Registry()
    for m in REQUEST_METRICS:
        reg.metrics[m.name] = m
    for name in BUILTIN:
        reg.add(from_module(importlib.import_module(f"{__package__}.{name}")), f"built-in scorer {name}")
    try:
        eps = sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name)
    except Exception as exc:  # noqa: BLE001 - a broken installed distribution's metadata
        raise EvalkitError(f"cannot list {GROUP} entry points: {type(exc).__name__}: {exc}") from None
    for ep in eps:
        origin = f"scorer plugin {ep.name!r} ({ep.value})"
        try:
            obj = ep.load()
            scorer = from_module(obj, ep.name.replace("-", "_")) if isinstance(obj, types.ModuleType) else obj
        except Exception as exc:  # noqa: BLE001 - any error of the plugin's own: one line, exit 2
            # `from exc`: --debug shows the plugin's own traceback
            raise EvalkitError(f"{origin} failed to load: {type(exc).__name__}: {exc}"[:400]) from exc
        reg.add(scorer, origin)
    return reg


_REGISTRY: Registry | None = None
generation = 0  # bumped on every change: caches derived from the registry (roll-up members) key on it


def get() -> Registry:
    global _REGISTRY, generation
    if _REGISTRY is None:
        _REGISTRY = _load()
        generation += 1
    return _REGISTRY


def register(scorer: Scorer) -> None:
    """Add a scorer in this process (the Python API's way; plugins use the entry point)."""
    get().add(scorer, f"scorer {getattr(scorer, 'name', scorer)!r}")
    global generation
    generation += 1


def reset() -> None:
    """Forget the loaded registry (the next lookup reads the entry points again)."""
    global _REGISTRY, generation
    _REGISTRY = None
    generation += 1


# ---- lookups ------------------------------------------------------------------------------------
def scorers() -> list[Scorer]:
    return list(get().scorers)


def scorer(name: str) -> Scorer | None:
    return next((s for s in get().scorers if s.name == name), None)


def metric(name: str) -> Metric:
    """The declaration, or a default for a metric nobody declares (an uninstalled plugin's stored
    scores): higher is better, unbounded, auxiliary, after the ordered metrics."""
    return get().metrics.get(name) or Metric(name)


def is_known(name: str) -> bool:
    return name in get().metrics


def label(name: str) -> str:
    return metric(name).label


def order_metrics(names) -> list[str]:
    """Declared order first, then the rest by name."""
    names = set(names)
    ordered = sorted((m for m in names if metric(m).order is not None), key=lambda m: (metric(m).order, m))
    return ordered + sorted(names - set(ordered))


def default_gate_rules() -> dict[str, dict]:
    """The built-in gate rules: the request's own metrics first (a run whose requests fail says
    nothing else), then the others in display order."""
    ms = get().metrics
    request = [n for n, m in ms.items() if m.gate and m.source == "request"]
    rest = order_metrics(n for n, m in ms.items() if m.gate and m.source != "request")
    return {n: dict(ms[n].gate) for n in request + rest}


def pass_at_k_metric() -> str:
    return next((n for n, m in get().metrics.items() if m.pass_at_k), "tests_pass")


def metric_scorer(name: str) -> str | None:
    """The scorer that produces a metric (None for request metrics and undeclared ones)."""
    m = get().metrics.get(name)
    return None if m is None or m.source == "request" else m.source


def rollup_members(rollup: str) -> list[tuple[str, float]]:
    """(metric, weight) of every metric declaring membership of a roll-up, in display order."""
    ms = get().metrics
    return [(n, float(ms[n].rollups[rollup])) for n in order_metrics(n for n, m in ms.items() if rollup in m.rollups)]


def versions(execute: bool) -> dict[str, str]:
    """scorer -> the version string its stored scores must carry to count as current.

    The mode is part of it, as with the one global version before: scores from a --no-exec run
    are not final for a run with execution (features/claims lacked the probes), nor the reverse."""
    mode = "exec" if execute else "static"
    return {s.name: f"{s.version}:{mode}" for s in get().scorers if execute or not s.execute}


def rescore_plan(stored: dict[str, tuple], execute: bool,
                 task_digest: str | None = None) -> tuple[list[str], list[str], dict]:
    """What to do for one stored response: (scorers to run, scorers whose scores go, artifacts
    to hand to the run). stored: scorer -> (version, kept artifacts or None[, task digest or None]),
    from the store; task_digest: the current Task.digest of the response's task.

    A scorer runs when its stored version is not the current one. A scorer that needs another's
    artifacts runs again when that one does (new evidence), and makes it run again when its
    artifacts were not kept (a store from before they were): the kept probes of execution let
    features and claims be rescored alone, without running the program again.
    Every scorer runs when one was scored against another version of the task (every scorer reads
    the task, and execution's probes follow the rubric); an unknown digest (None: rows from before
    digests were stored) is not a reason on its own."""
    current = versions(execute)
    active = [s for s in get().scorers if s.name in current]
    if task_digest is not None and any(_digest(stored.get(s.name)) not in (None, task_digest) for s in active):
        return [s.name for s in active], [s for s in stored if s not in current], {}
    run = {s.name for s in active if stored.get(s.name, (None, None))[0] != current[s.name]}
    changed = bool(run)
    while changed:
        changed = False
        for sc in active:
            for need in sc.needs:
                provider = next((p for p in active if need in p.provides and p is not sc), None)
                if provider is None:
                    continue
                kept = (stored.get(provider.name, (None, None))[1] or {})
                if provider.name in run and sc.name not in run:
                    run.add(sc.name)
                    changed = True
                elif sc.name in run and provider.name not in run and need not in kept:
                    run.add(provider.name)
                    changed = True
    artifacts: dict = {}
    for sc in active:
        if sc.name not in run:
            artifacts.update(stored.get(sc.name, (None, None))[1] or {})
    return [s.name for s in active if s.name in run], [s for s in stored if s not in current], artifacts


def _digest(entry: tuple | None) -> str | None:
    return entry[2] if entry is not None and len(entry) > 2 else None  # (version, artifacts) pairs: unknown


class MetricSet(AbcSet):
    """The declared metrics with one property (e.g. pass/fail), read from the registry when asked,
    so a plugin's metrics belong as soon as it is loaded."""

    def __init__(self, test):
        self._test = test

    def __contains__(self, name) -> bool:
        m = get().metrics.get(name)
        return m is not None and bool(self._test(m))

    def __iter__(self):
        return iter([n for n, m in get().metrics.items() if self._test(m)])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def where(test) -> MetricSet:
    return MetricSet(test)
