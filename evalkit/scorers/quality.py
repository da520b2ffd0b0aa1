"""quality: radon complexity and maintainability plus lint findings, on the main Python block.

    quality = 0.4 * lint + 0.3 * cc + 0.3 * mi                    (each 0..1)

    lint = 1 / (1 + W / 4)   W = 3 x undefined names + 1 x bare excepts + 1 x unreachable
                                 statements + 0.5 x unused imports/variables + 0.25 x other
                                 pyflakes messages
    cc   = 0.5 * clamp(1 - (mean_cc - 5) / 15) + 0.5 * clamp(1 - (max_cc - 10) / 20)
           (radon cyclomatic complexity per function/method; module level when there is none)
    mi   = clamp((MI - 10) / 30)   (radon's maintainability index, 0..100: 10 or less -> 0,
                                   40 or more -> 1; a sound 150-line game scores about 35)

Undefined names, unused imports and the rest are pyflakes' checks, run by ruff (evalkit/lint.py:
its F rules, pyflakes' kinds and wording; ``prepare`` lints a whole batch of responses in one ruff
run); radon's cyclomatic complexity and Halstead volume are counted on the tree-sitter tree
(evalkit/codemetrics.py, same definitions and values as radon); bare ``except:`` and statements
after return/raise/break/continue are found with one tree-sitter query. A block that does not compile scores 0; no code or a non-Python main
block scores None (not judged). Auxiliary metrics: cc_mean, mi, lint_findings. A multi-file answer
is analysed file by file (each finding names its file); its figures are means weighted by non-blank
lines, and a file that does not compile makes quality 0 naming that file.
"""

from __future__ import annotations

import functools
import math

from .. import codemetrics, treesitter
from .. import lint as linter
from ..extract import Extraction
from .base import Metric, Score
from .syntax import python_compile_error, python_tree

# ---- the registry's declaration (evalkit/scorers/registry.py): version and metrics --------------
VERSION = "3"
METRICS = (
    Metric("quality", kind="unit", main=True, order=60, gate={"max_drop": 0.05},
           rollups={"production_readiness": 1.0}),
    Metric("cc_mean", direction="lower"),
    Metric("mi"),
    Metric("lint_findings", direction="lower"),
)

_W_UNDEFINED, _W_BARE, _W_UNREACHABLE, _W_UNUSED, _W_OTHER = 3.0, 1.0, 1.0, 0.5, 0.25


def clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def _structural(code: str) -> list[dict]:
    st = treesitter.python_stats(code)
    findings = [{"kind": "bare-except", "line": ln, "message": "bare except:", "weight": _W_BARE}
                for ln in st["bare_excepts"]]
    findings += [{"kind": "unreachable", "line": ln, "message": f"unreachable code after {what}",
                  "weight": _W_UNREACHABLE} for ln, what in st["unreachable"]]
    return findings


@functools.lru_cache(maxsize=256)
def analyse(code: str) -> dict:
    from radon.metrics import mi_compute

    err = python_compile_error(code)
    if err:
        return {"error": err}
    m = codemetrics.analyse(code)
    if m is None:  # tree-sitter's tree has errors where CPython has none: radon on the ast
        m = _radon(code)
        if isinstance(m, dict):
            return m
    ccs = [c for _, _, c in m.functions] or [m.module_complexity]
    cc_mean, cc_max = sum(ccs) / len(ccs), max(ccs)
    st = treesitter.python_stats(code)
    sloc = sum(1 for ln in code.split("\n") if ln.strip())
    comments = st["comment_lines"] / sloc * 100 if sloc else 0.0
    # radon's formula; LLOC and comment lines come from the tree-sitter tree (radon's own raw
    # pass re-tokenizes the source and was the slowest step in the profile)
    mi = mi_compute(m.volume, m.total_complexity, st["lloc"], comments)
    findings = sorted(linter.lint(code) + _structural(code), key=lambda f: f["line"])
    weight = sum(f["weight"] for f in findings)
    lint = 1.0 / (1.0 + weight / 4.0)
    cc = 0.5 * clamp(1 - (cc_mean - 5) / 15) + 0.5 * clamp(1 - (cc_max - 10) / 20)
    mi_s = clamp((mi - 10.0) / 30.0)
    value = 0.4 * lint + 0.3 * cc + 0.3 * mi_s
    worst = sorted(m.functions, key=lambda f: -f[2])[:5]
    return {
        "value": round(value, 4), "lint_score": round(lint, 4), "cc_score": round(cc, 4),
        "mi_score": round(mi_s, 4), "cc_mean": round(cc_mean, 3), "cc_max": cc_max,
        "mi": round(mi, 2) if not math.isnan(mi) else 0.0, "lint_weight": weight,
        "findings": findings[:50], "finding_count": len(findings),
        "most_complex": [{"name": name, "line": line, "complexity": c} for name, line, c in worst],
    }


def _radon(code: str):
    """radon's figures on the ast (a block tree-sitter cannot parse cleanly); a dict on error."""
    from radon.metrics import h_visit_ast
    from radon.visitors import ComplexityVisitor

    tree, err = python_tree(code)
    if tree is None:
        return {"error": err}
    v = ComplexityVisitor.from_ast(tree)
    funcs = list(v.functions) + [m for c in v.classes for m in c.methods]
    return codemetrics.Result([(f.fullname, f.lineno, f.complexity) for f in funcs], v.complexity,
                              v.total_complexity, h_visit_ast(tree).total.volume)


def prepare(extractions) -> None:
    """Optional batch pre-pass: lint the Python blocks of many responses with one ruff run, so
    that scoring them one by one afterwards runs no linter process per response."""
    codes = []
    for ex in extractions:
        if ex.main is not None and ex.main.language == "python":
            codes += [b.code for b in ex.blocks if b.language == "python"]
    linter.prepare(codes)


def score(task, ex: Extraction, artifacts: dict) -> list[Score]:
    main = ex.main
    if main is None:
        return [Score("quality", None, {"reason": "no code"})]
    if main.language != "python":
        return [Score("quality", None, {"reason": f"quality is measured for Python only (main block is {main.language})",
                                        "block": ex.main_index})]
    if ex.multi_file:
        return _per_file(ex)
    a = analyse(main.code)
    if "error" in a:
        return [Score("quality", 0.0, {"reason": "the main block does not compile", "error": a["error"],
                                       "block": ex.main_index})]
    details = {k: v for k, v in a.items() if k != "value"}
    details["block"] = ex.main_index
    return [
        Score("quality", a["value"], details),
        Score("cc_mean", a["cc_mean"], {}),
        Score("mi", a["mi"], {}),
        Score("lint_findings", float(a["finding_count"]), {}),
    ]


def _per_file(ex: Extraction) -> list[Score]:
    """A multi-file answer: each Python file analysed on its own (imports between them resolve as
    they would on disk); quality and its parts are means weighted by non-blank lines."""
    members = [ex.main_index] + sorted(i for i in ex.files.values()
                                       if i != ex.main_index and ex.blocks[i].language == "python")
    per, weights = [], []
    for i in members:
        b = ex.blocks[i]
        name = b.filename or f"block {i}"
        a = analyse(b.code)
        if "error" in a:
            return [Score("quality", 0.0, {"reason": f"{name} does not compile", "file": name,
                                           "error": a["error"], "block": i})]
        per.append((name, i, a))
        weights.append(max(b.nonblank_lines, 1))
    total = sum(weights)

    def mean(key: str) -> float:
        return round(sum(a[key] * w for (_, _, a), w in zip(per, weights)) / total, 4)

    findings = [dict(f, file=name, where=f"{name}:{f['line']}") for name, _, a in per for f in a["findings"]]
    details = {
        "files": [{"file": name, "block": i, "quality": a["value"], "cc_mean": a["cc_mean"], "mi": a["mi"],
                   "findings": a["finding_count"]} for name, i, a in per],
        "lint_score": mean("lint_score"), "cc_score": mean("cc_score"), "mi_score": mean("mi_score"),
        "cc_mean": mean("cc_mean"), "cc_max": max(a["cc_max"] for _, _, a in per), "mi": mean("mi"),
        "findings": findings[:50], "finding_count": sum(a["finding_count"] for _, _, a in per),
        "block": ex.main_index, "note": "per file, weighted by non-blank lines",
    }
    return [
        Score("quality", mean("value"), details),
        Score("cc_mean", details["cc_mean"], {}),
        Score("mi", details["mi"], {}),
        Score("lint_findings", float(details["finding_count"]), {}),
    ]
