"""Exact and near-duplicate detection that keeps the better-scored copy.

Exact: the SHA-1 of the prompt and answer lower-cased with whitespace collapsed. Near: MinHash
signatures of word shingles in a datasketch MinHashLSH index (tuned for recall); a candidate
counts only when its estimated Jaccard similarity reaches the threshold. When a new example duplicates kept ones,
the better-scored copy stays (see ``rank``); on a tie the earlier one stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scoring import SCHEME


def rank(metrics: dict) -> tuple:
    """Which copy is better: tests passed, then syntax, then quality, then code:prose characters
    (capped at 10:1 so that a longer answer does not win on code mass alone)."""
    def v(name, missing=-1.0):
        x = metrics.get(name)
        return missing if x is None else float(x)
    return (v("tests_pass"), v("syntax_ok"), v("quality"), min(v("code_prose_char_ratio", 0.0), 10.0))


@dataclass
class Verdict:
    duplicate_of: str | None = None     # the new example is dropped as a copy of this kept one
    kind: str = ""                      # exact-duplicate | near-duplicate
    similarity: float = 1.0
    replaces: list = None               # kept examples the new one displaces: (id, kind, similarity)


class Deduper:
    def __init__(self, near: bool, threshold: float, num_perm: int):
        self.exact: dict[bytes, str] = {}
        self.key_of: dict[str, bytes] = {}
        self.rank: dict[str, tuple] = {}
        self.sig: dict[str, np.ndarray] = {}
        self.threshold = threshold
        self.lsh = None
        if near:
            from datasketch import MinHashLSH

            # the index is built for a lower threshold, favouring recall: LSH bands miss some true
            # pairs near the threshold, and every candidate is checked on its signature anyway
            self.lsh = MinHashLSH(threshold=max(0.1, threshold - 0.15), num_perm=num_perm, weights=(0.2, 0.8))

    def _similar(self, sig: np.ndarray) -> list[tuple[str, float]]:
        if self.lsh is None:
            return []
        from datasketch import LeanMinHash

        found = []
        for key in self.lsh.query(LeanMinHash(seed=1, hashvalues=sig, scheme=SCHEME)):
            sim = float(np.count_nonzero(self.sig[key] == sig)) / len(sig)
            if sim >= self.threshold:
                found.append((key, sim))
        return sorted(found)

    def offer(self, ex_id: str, exact: bytes, sig, rnk: tuple) -> Verdict:
        """Decide for a new example; the index is updated (kept, or displaced ones removed)."""
        rivals: list[tuple[str, str, float]] = []
        if exact in self.exact:
            rivals.append((self.exact[exact], "exact-duplicate", 1.0))
        if sig is not None:
            rivals += [(k, "near-duplicate", s) for k, s in self._similar(sig) if k != self.exact.get(exact)]
        if rivals:
            best = max(rivals, key=lambda r: self.rank[r[0]])
            if rnk <= self.rank[best[0]]:  # not better than the best copy kept: the new one goes
                return Verdict(best[0], best[1], best[2])
            displaced = [r for r in rivals if self.rank[r[0]] < rnk]
            for key, _, _ in displaced:
                self._remove(key)
        else:
            displaced = []
        self.exact[exact] = ex_id
        self.key_of[ex_id] = exact
        self.rank[ex_id] = rnk
        if sig is not None and self.lsh is not None:
            from datasketch import LeanMinHash

            self.sig[ex_id] = sig
            self.lsh.insert(ex_id, LeanMinHash(seed=1, hashvalues=sig, scheme=SCHEME), check_duplication=False)
        return Verdict(replaces=displaced)

    def _remove(self, key: str) -> None:
        ek = self.key_of.pop(key)
        if self.exact.get(ek) == key:
            del self.exact[ek]
        del self.rank[key]
        if key in self.sig:
            del self.sig[key]
            self.lsh.remove(key)
