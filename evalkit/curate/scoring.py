"""Per-example scores from the same scorers as evaluation, plus the dedup and decontamination keys.

An example's answer (the last assistant turn) is read by ``evalkit.extract.extract`` and scored by
``scorers.syntax``, ``scorers.ratio`` and ``scorers.quality`` exactly as a model's response is.
With ``--exec`` the answer's main block runs against the example's own tests in the sandbox
(``tests_pass``: the share of tests passed; stdin/stdout tests compare whitespace-separated
output). This is a pure function of the example and the settings, so it runs in worker processes.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from ..extract import extract
from ..scorers import quality, ratio, syntax
from . import decontaminate
from .inputs import Example

_WS = re.compile(r"\s+")
SCHEME = "affine32"  # datasketch >= 2 permutation scheme; dedup.py builds its LSH keys with the same


@dataclass(frozen=True)
class Settings:
    language: str
    num_perm: int
    shingle: int
    near: bool
    suites: tuple[str, ...] | None
    suites_dirs: tuple[str, ...]
    ngram: int
    max_share: int
    decon_threshold: float
    execute: bool = False
    sandbox: str = "auto"
    max_tests: int = 10
    test_timeout: float = 5.0


def metrics_of(ex: Example, language: str, x=None) -> tuple[dict, dict]:
    """(metrics, evidence) of the example's answer (``x``: its extraction, when already made)."""
    x = x if x is not None else extract(ex.response, language_hint=language)
    c = ratio.counts(x)
    syn = syntax.score(None, x, {})[0]
    m = {
        "has_code": 1.0 if c["code_chars"] > 0 else 0.0,
        "syntax_ok": syn.value,
        "code_prose_ratio": ratio.ratio(c["code_lines"], c["prose_lines"]),
        "code_prose_char_ratio": ratio.ratio(c["code_chars"], c["prose_chars"]),
        "code_lines": float(c["code_lines"]), "prose_lines": float(c["prose_lines"]),
        "code_chars": float(c["code_chars"]), "prose_chars": float(c["prose_chars"]),
        "thinking_lines": float(c["thinking_lines"]),
        "code_blocks": float(len(x.blocks)),
        "prompt_chars": float(len(ex.prompt)), "response_chars": float(len(ex.response)),
        "quality": None, "cc_mean": None, "mi": None, "lint_findings": None,
        "tests_pass": None, "tests_total": float(len(ex.tests) + len(ex.io_tests)),
    }
    for s in quality.score(None, x, {}):
        m[s.metric] = s.value
    evidence = {"language": x.main.language if x.main else None}
    if "error" in syn.details:
        e = syn.details["error"]
        evidence["syntax_error"] = f"line {e.get('line')}: {e.get('message')}"
    return m, evidence


def normalised(ex: Example) -> str:
    return _WS.sub(" ", (ex.prompt + "\n" + ex.response).lower()).strip()


def exact_key(ex: Example) -> bytes:
    return hashlib.sha1(normalised(ex).encode("utf-8", "replace")).digest()[:16]


@functools.lru_cache(maxsize=4)
def _permutations(num_perm: int):
    """datasketch draws its hash permutations on every MinHash(); drawing them once is the same
    signature (fixed seed) at a fraction of the cost."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=1, scheme=SCHEME).permutations


def minhash(ex: Example, num_perm: int, shingle: int):
    """MinHash signature (datasketch) of the example's word shingles."""
    from datasketch import MinHash

    words = normalised(ex).split(" ")
    if len(words) <= shingle:
        grams = [" ".join(words)]
    else:
        grams = [" ".join(words[i:i + shingle]) for i in range(len(words) - shingle + 1)]
    mh = MinHash(num_perm=num_perm, seed=1, permutations=_permutations(num_perm), scheme=SCHEME)
    mh.update_batch([g.encode("utf-8", "replace") for g in set(grams)])
    return mh.hashvalues


_IO_HARNESS = '''import io, sys
_src = {src!r}
sys.stdin = io.TextIOWrapper(io.BytesIO({stdin!r}.encode()), encoding="utf-8")
_out = io.StringIO()
_real, sys.stdout = sys.stdout, _out
try:
    exec(compile(_src, "solution.py", "exec"), {{"__name__": "__main__"}})
except SystemExit:
    pass
finally:
    sys.stdout = _real
if _out.getvalue().split() != {expected!r}.split():
    raise AssertionError("wrong output: " + repr(_out.getvalue()[:200]))
'''


def run_tests(ex: Example, settings: Settings) -> tuple[float | None, str]:
    """(share of the example's tests passed, note) in the sandbox; None when nothing can run."""
    from ..sandbox import Job, Sandbox
    from ..scorers.execution import TEST_MODULE

    x = extract(ex.response, language_hint=settings.language)
    main = x.main
    if not (ex.tests or ex.io_tests):
        return None, "no tests in the dataset"
    if main is None or main.language != "python":
        return None, "not judged: the answer has no Python block to run"
    jobs = [Job(source=main.code, timeout=settings.test_timeout, run_name=TEST_MODULE, test=t)
            for t in ex.tests[:settings.max_tests]]
    left = settings.max_tests - len(jobs)
    jobs += [Job(source=_IO_HARNESS.format(src=main.code, stdin=i, expected=o), timeout=settings.test_timeout)
             for i, o in ex.io_tests[:max(left, 0)]]
    passed, judged = 0, 0
    with Sandbox(settings.sandbox) as sb:
        for job in jobs:
            out = sb.run(job)
            if out.status in ("missing_dependency", "missing_asset", "cut_off", "error"):
                continue  # not the solution's doing: not judged
            judged += 1
            passed += out.status == "ok" and (job.test is None or out.completed)
    if not judged:
        return None, "not judged: the sandbox could not run the tests"
    return passed / judged, f"{passed}/{judged} tests passed"


def prepare(batch: list[Example], language: str) -> list:
    """Each example's extraction (None where there is none to make), after quality's pre-pass: one
    ruff run lints the whole batch (else one run per example)."""
    xs = []
    for ex in batch:
        try:
            xs.append(None if ex.problem else extract(ex.response, language_hint=language))
        except Exception:  # noqa: BLE001 - metrics_of extracts again and reports the error
            xs.append(None)
    try:
        quality.prepare(x for x in xs if x is not None)
    except Exception:  # noqa: BLE001 - each example's own scoring then reports the error
        pass
    return xs


def score_batch(batch: list[Example], settings: Settings) -> list[dict]:
    """One result per example: metrics, evidence, dedup keys, contamination hits."""
    index = decontaminate.index_for(settings.suites, settings.suites_dirs, settings.ngram, settings.max_share)
    out = []
    for ex, x in zip(batch, prepare(batch, settings.language)):
        if ex.problem:
            out.append({"problem": ex.problem})
            continue
        try:
            m, evidence = metrics_of(ex, settings.language, x)
            if settings.execute:
                m["tests_pass"], evidence["tests"] = run_tests(ex, settings)
        except Exception as exc:  # noqa: BLE001 - one odd example must not stop a 100k-row run
            out.append({"problem": f"{type(exc).__name__}: {exc}"[:300], "reason": "scoring failed"})
            continue
        hits = index.hits(ex.prompt, "prompt", settings.decon_threshold) + \
            index.hits(ex.response, "answer", settings.decon_threshold)
        out.append({"metrics": m, "evidence": evidence, "exact": exact_key(ex), "hits": hits,
                    "minhash": minhash(ex, settings.num_perm, settings.shingle) if settings.near else None})
    return out
