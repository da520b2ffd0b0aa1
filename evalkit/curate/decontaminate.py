"""Decontamination: which training examples overlap an evaluation task.

Every task of the evaluation suites (bundled and --suites-dir) gives texts: its prompt (for
HumanEval the problem's own prompt, without evalkit's instruction line), each test snippet, and
its reference solution when the suite has one (HumanEval's canonical solution; a YAML task's
``reference``/``solution``). Texts become word n-grams (identifiers, numbers and single symbols,
lower-cased). An n-gram found in more than ``max_task_share`` texts is boilerplate (``def
check(candidate):``, METADATA) and is ignored. An example's prompt or answer *hits* a text when it
contains at least ``threshold`` of that text's n-grams; every hit names the task and the part.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+|[^\sA-Za-z0-9_]")


@dataclass(frozen=True)
class Segment:
    task: str       # suite/task_id
    part: str       # prompt | tests[i] | reference
    size: int       # distinct n-grams counted (boilerplate excluded)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def ngrams(text: str, n: int) -> set[int]:
    toks = tokens(text)
    if len(toks) < n:
        return {hash(" ".join(toks))} if len(toks) >= max(3, n // 2) else set()
    return {hash(" ".join(toks[i:i + n])) for i in range(len(toks) - n + 1)}


def _reference_solutions(path: Path | None) -> dict[str, str]:
    """task id -> reference solution written in a YAML suite (``reference`` or ``solution``)."""
    if path is None or not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    out = {}
    for t in data.get("tasks") or []:
        if isinstance(t, dict):
            ref = t.get("reference") or t.get("solution") or t.get("canonical_solution")
            if isinstance(ref, str) and ref.strip():
                out[str(t.get("id"))] = ref
    return out


def suite_texts(suite_names: list[str] | None, suites_dirs: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(task, part, text) for every task of the named suites (None: every suite found)."""
    from .. import humaneval
    from ..suites import discover, load_suites

    dirs = [Path(d) for d in suites_dirs]
    names = suite_names if suite_names is not None else list(discover(dirs))
    out = []
    for suite in load_suites(names, dirs):
        refs = _reference_solutions(suite.path)
        for t in suite.tasks:
            key = f"{suite.name}/{t.id}"
            problem = humaneval.problem(t.id) if humaneval.TAG in t.tags else None
            if problem:
                out.append((key, "prompt", problem["prompt"]))
                out.append((key, "reference", problem["prompt"] + problem["canonical_solution"]))
                out.append((key, "tests", problem["test"]))
                continue
            out.append((key, "prompt", t.prompt))
            for i, test in enumerate(t.tests):
                out.append((key, f"tests[{i}]", test))
            if t.id in refs:
                out.append((key, "reference", refs[t.id]))
    return out


class Index:
    """n-gram -> the evaluation texts holding it (boilerplate n-grams dropped)."""

    def __init__(self, texts: list[tuple[str, str, str]], n: int, max_share: int):
        self.n = n
        grams = [ngrams(text, n) for _, _, text in texts]
        share = Counter(g for gs in grams for g in gs)
        self.postings: dict[int, list[int]] = defaultdict(list)
        self.segments: list[Segment] = []
        for (task, part, _), gs in zip(texts, grams):
            kept = [g for g in gs if share[g] <= max_share]
            if not kept:
                continue
            sid = len(self.segments)
            self.segments.append(Segment(task, part, len(kept)))
            for g in kept:
                self.postings[g].append(sid)
        self.postings = dict(self.postings)

    @property
    def tasks(self) -> int:
        return len({s.task for s in self.segments})

    def hits(self, text: str, field: str, threshold: float) -> list[dict]:
        """Every evaluation text that ``text`` contains at least ``threshold`` of."""
        counts: Counter = Counter()
        for g in ngrams(text, self.n):
            for sid in self.postings.get(g, ()):
                counts[sid] += 1
        out = []
        for sid, c in counts.items():
            seg = self.segments[sid]
            share = c / seg.size
            if share >= threshold:
                out.append({"task": seg.task, "part": seg.part, "field": field, "overlap": round(share, 3)})
        out.sort(key=lambda h: (-h["overlap"], h["task"], h["part"]))
        return out


@functools.lru_cache(maxsize=2)
def index_for(suite_names: tuple[str, ...] | None, suites_dirs: tuple[str, ...], n: int, max_share: int) -> Index:
    """Built once per process (scoring workers build their own; the result is the same)."""
    return Index(suite_texts(list(suite_names) if suite_names is not None else None, suites_dirs), n, max_share)
