"""The curate rules file (YAML): keep rules, column mapping, dedup, decontamination, mixing.

    columns: {prompt: question, response: answer}   # optional; or per source: {apps: {...}}
    language: python            # the language a bare (unfenced) answer is read as
    keep:                       # every rule must hold; a failing one is the example's drop reason
      - has_code
      - syntax_ok == 1
      - code_chars > 0.5 * prose_chars
      - quality >= 0.3
    missing: keep               # a rule on a metric that was not judged (None): keep | drop
    dedup: {near: true, threshold: 0.8, num_perm: 128, shingle: 5}
    decontaminate: {suites: all, ngram: 8, threshold: 0.5, max_task_share: 3}
    mix:
      weights: {python_code_instructions_18k: 3.0, code_contests: 3.0, apps: 2.5}
      curriculum: none          # none | source | METRIC (ascending, e.g. code_lines)
      curriculum_sources: [mbpp, apps]   # with curriculum: source, the order (others after)
      target: 50000             # sample size (--target overrides)
    exec: {max_tests: 10, timeout: 5}

A rule is ``METRIC``, or ``[N *] METRIC|N OP [N *] METRIC|N`` with OP one of < <= > >= == !=;
it is parsed, never eval()ed.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EvalkitError
from ..yamlfile import load_mapping

DEFAULT_KEEP = ("has_code", "syntax_ok == 1", "code_chars > 0.5 * prose_chars")
METRICS = ("has_code", "syntax_ok", "code_prose_ratio", "code_prose_char_ratio", "code_lines", "prose_lines",
           "code_chars", "prose_chars", "thinking_lines", "quality", "cc_mean", "mi", "lint_findings",
           "tests_pass", "tests_total", "prompt_chars", "response_chars", "code_blocks")
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
        "!=": operator.ne}
_NUM = r"-?\d+(?:\.\d+)?"
_TERM = rf"(?:({_NUM})\s*\*\s*)?([A-Za-z_]\w*|{_NUM})"
_RULE = re.compile(rf"^\s*{_TERM}\s*(<=|>=|==|!=|<|>)\s*{_TERM}\s*$")


@dataclass(frozen=True)
class Side:
    factor: float
    name: str | None     # a metric, or None for a constant
    value: float = 0.0

    def eval(self, m: dict) -> float | None:
        if self.name is None:
            return self.value
        v = m.get(self.name)
        return None if v is None else self.factor * float(v)

    def show(self, m: dict) -> str:
        return f"{self.name}={_fmt(m.get(self.name))}" if self.name else ""


def _fmt(v) -> str:
    if v is None:
        return "not judged"
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class Rule:
    text: str
    left: Side
    op: str
    right: Side

    def check(self, m: dict) -> bool | None:
        """True/False, or None when a metric it reads was not judged."""
        a, b = self.left.eval(m), self.right.eval(m)
        if a is None or b is None:
            return None
        return _OPS[self.op](a, b)

    def evidence(self, m: dict) -> str:
        shown = [s for s in (self.left.show(m), self.right.show(m)) if s]
        return ", ".join(shown)


def _side(factor: str | None, term: str, rule: str) -> Side:
    f = float(factor) if factor else 1.0
    if re.fullmatch(_NUM, term):
        return Side(1.0, None, f * float(term))
    if term not in METRICS:
        raise EvalkitError(f"rules: {rule!r}: unknown metric {term!r}; known: {', '.join(METRICS)}")
    return Side(f, term)


def parse_rule(text) -> Rule:
    text = str(text).strip()
    if re.fullmatch(r"[A-Za-z_]\w*", text):  # a bare metric: it must be true (non-zero)
        return Rule(text, _side(None, text, text), "!=", Side(1.0, None, 0.0))
    m = _RULE.match(text)
    if not m:
        raise EvalkitError(f"rules: cannot read keep rule {text!r}; write e.g. 'quality >= 0.5' or "
                           "'code_chars > 0.5 * prose_chars'")
    f1, t1, op, f2, t2 = m.groups()
    return Rule(text, _side(f1, t1, text), op, _side(f2, t2, text))


@dataclass
class Rules:
    keep: list[Rule] = field(default_factory=lambda: [parse_rule(r) for r in DEFAULT_KEEP])
    missing: str = "keep"
    columns: dict = field(default_factory=dict)
    language: str = "python"
    near: bool = True
    near_threshold: float = 0.8
    num_perm: int = 128
    shingle: int = 5
    decon_suites: list[str] | None = None   # None: every suite found
    ngram: int = 8
    decon_threshold: float = 0.5
    max_task_share: int = 3                 # an n-gram in more eval texts than this is boilerplate
    weights: dict = field(default_factory=dict)
    curriculum: str = "none"
    curriculum_sources: list[str] = field(default_factory=list)
    target: int | None = None
    max_tests: int = 10
    test_timeout: float = 5.0


def _num(section: dict, key: str, default, lo=None, hi=None, where=""):
    v = section.get(key, default)
    try:
        v = type(default)(v) if not isinstance(default, bool) else bool(v)
    except (TypeError, ValueError):
        raise EvalkitError(f"rules: {where}{key} must be a number (got {v!r})") from None
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise EvalkitError(f"rules: {where}{key} must be between {lo} and {hi} (got {v})")
    return v


def _section(data: dict, key: str) -> dict:
    v = data.get(key) or {}
    if not isinstance(v, dict):
        raise EvalkitError(f"rules: {key} must be a mapping")
    return v


def load_rules(path: str | Path | None) -> Rules:
    r = Rules()
    if path is None:
        return r
    data = load_mapping(path, "rules file", "docs/curate.md")
    known = {"columns", "language", "keep", "missing", "dedup", "decontaminate", "mix", "exec"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise EvalkitError(f"rules: unknown key {unknown[0]!r}; known: {', '.join(sorted(known))}")
    if "keep" in data:
        keep = data["keep"] or []
        if not isinstance(keep, list):
            raise EvalkitError("rules: keep must be a list of rules such as 'syntax_ok == 1'")
        r.keep = [parse_rule(k) for k in keep]
    r.missing = str(data.get("missing", "keep"))
    if r.missing not in ("keep", "drop"):
        raise EvalkitError("rules: missing must be keep or drop")
    r.columns = _section(data, "columns")
    r.language = str(data.get("language", "python")).lower()
    d = _section(data, "dedup")
    r.near = bool(d.get("near", True))
    r.near_threshold = _num(d, "threshold", 0.8, 0.05, 1.0, "dedup.")
    r.num_perm = _num(d, "num_perm", 128, 16, 512, "dedup.")
    r.shingle = _num(d, "shingle", 5, 1, 50, "dedup.")
    c = _section(data, "decontaminate")
    suites = c.get("suites", "all")
    r.decon_suites = None if suites in ("all", None) else ([suites] if isinstance(suites, str) else list(suites))
    r.ngram = _num(c, "ngram", 8, 3, 50, "decontaminate.")
    r.decon_threshold = _num(c, "threshold", 0.5, 0.01, 1.0, "decontaminate.")
    r.max_task_share = _num(c, "max_task_share", 3, 1, 10**6, "decontaminate.")
    m = _section(data, "mix")
    weights = m.get("weights") or {}
    if not isinstance(weights, dict):
        raise EvalkitError("rules: mix.weights must map source names to numbers")
    r.weights = {str(k): _num(weights, k, 1.0, 0.0, 1000.0, "mix.weights.") for k in weights}
    r.curriculum = str(m.get("curriculum", "none"))
    if r.curriculum not in ("none", "source") and r.curriculum not in METRICS:
        raise EvalkitError(f"rules: mix.curriculum must be none, source or a metric ({', '.join(METRICS)})")
    r.curriculum_sources = [str(s) for s in (m.get("curriculum_sources") or [])]
    if m.get("target") is not None:
        r.target = _num(m, "target", 0, 1, 10**9, "mix.")
    e = _section(data, "exec")
    r.max_tests = _num(e, "max_tests", 10, 1, 1000, "exec.")
    r.test_timeout = _num(e, "timeout", 5.0, 0.5, 120.0, "exec.")
    return r


def failed_rule(rules: Rules, metrics: dict) -> tuple[str, str] | None:
    """(reason, detail) for the first keep rule the example breaks, or None. The reason is the
    rule as written ("rule: syntax_ok == 1"); the detail adds the values it read."""
    for rule in rules.keep:
        ok = rule.check(metrics)
        if ok is None:
            if rules.missing == "drop":
                return f"rule: {rule.text}", f"not judged ({rule.evidence(metrics)})"
            continue
        if not ok:
            return f"rule: {rule.text}", rule.evidence(metrics)
    return None
