"""Exact and near-duplicate detection that keeps the better-scored copy.

Exact: the SHA-1 of the prompt and answer lower-cased with whitespace collapsed. Near: datasketch
MinHash signatures of word shingles, bucketed by LSH banding (tuned for recall); a candidate
counts only when its estimated Jaccard similarity (share of equal signature values) reaches the
threshold. When a new example duplicates kept ones,
the better-scored copy stays (see ``rank``); on a tie the earlier one stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np



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


def bands_for(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band): the banding whose S-curve midpoint (1/b)^(1/r) sits closest to
    threshold - 0.1, so pairs at the threshold are found with high probability (recall first:
    every candidate is checked on its signature)."""
    want = max(0.05, threshold - 0.1)
    best = min(range(1, num_perm + 1), key=lambda r: (abs((1 / (num_perm // r)) ** (1 / r) - want), r))
    return num_perm // best, best


class Deduper:
    """LSH banding over datasketch MinHash signatures. The buckets are one dict of int -> id (a
    list only on a collision): datasketch's MinHashLSH keeps a set per bucket, ~6 KB per example
    at 16 bands, which alone would exceed the memory target at 100,000 examples."""

    def __init__(self, near: bool, threshold: float, num_perm: int):
        self.exact: dict[bytes, str] = {}
        self.key_of: dict[str, bytes] = {}
        self.rank: dict[str, tuple] = {}
        self.sig: dict[str, bytes] = {}
        self.threshold = threshold
        self.near = near
        self.bands, self.rows = bands_for(threshold, num_perm)
        self.buckets: dict[int, str | list] = {}

    def _keys(self, sig: bytes) -> list[int]:
        w = self.rows * 4  # uint32 values
        return [hash((i, sig[i * w:(i + 1) * w])) for i in range(self.bands)]

    def _similar(self, sig: bytes) -> list[tuple[str, float]]:
        if not self.near:
            return []
        cands: set[str] = set()
        for k in self._keys(sig):
            v = self.buckets.get(k)
            if v is not None:
                cands.update([v] if isinstance(v, str) else v)
        mine = np.frombuffer(sig, dtype=np.uint32)
        found = []
        for key in cands:
            sim = float(np.count_nonzero(np.frombuffer(self.sig[key], dtype=np.uint32) == mine)) / len(mine)
            if sim >= self.threshold:
                found.append((key, sim))
        return sorted(found)

    def offer(self, ex_id: str, exact: bytes, sig, rnk: tuple) -> Verdict:
        """Decide for a new example; the index is updated (kept, or displaced ones removed)."""
        sig = None if sig is None or not self.near else np.asarray(sig, dtype=np.uint32).tobytes()
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
        if sig is not None:
            self.sig[ex_id] = sig
            for k in self._keys(sig):
                v = self.buckets.get(k)
                if v is None:
                    self.buckets[k] = ex_id
                elif isinstance(v, str):
                    self.buckets[k] = [v, ex_id]
                else:
                    v.append(ex_id)
        return Verdict(replaces=displaced)

    def _remove(self, key: str) -> None:
        ek = self.key_of.pop(key)
        if self.exact.get(ek) == key:
            del self.exact[ek]
        del self.rank[key]
        sig = self.sig.pop(key, None)
        if sig is None:
            return
        for k in self._keys(sig):
            v = self.buckets.get(k)
            if v == key:
                del self.buckets[k]
            elif isinstance(v, list) and key in v:
                v.remove(key)
                if len(v) == 1:
                    self.buckets[k] = v[0]
