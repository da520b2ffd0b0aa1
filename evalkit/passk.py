"""pass@k with the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models
Trained on Code", the HumanEval paper):

    pass@k = E_tasks[ 1 - C(n - c, k) / C(n, k) ]

for a task with n samples of which c are correct (a sample is correct when it passes all of the
task's tests, i.e. tests_pass == 1). Computed as a running product for numerical stability.
"""

from __future__ import annotations

from typing import Iterable

DEFAULT_KS = (1, 5, 10)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn without replacement from n is correct."""
    if not (0 <= c <= n) or k < 1:
        raise ValueError(f"need 0 <= c <= n and k >= 1 (got n={n}, c={c}, k={k})")
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples per task (got n={n})")
    if n - c < k:
        return 1.0
    prob_all_wrong = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_wrong *= 1.0 - k / i
    return 1.0 - prob_all_wrong


def pass_at_k_table(counts: Iterable[tuple[int, int]], ks: Iterable[int] = DEFAULT_KS) -> dict[int, float]:
    """Mean pass@k over tasks given (n, c) per task, for every k <= the smallest n."""
    counts = list(counts)
    if not counts:
        return {}
    n_min = min(n for n, _ in counts)
    return {k: sum(pass_at_k(n, c, k) for n, c in counts) / len(counts) for k in ks if k <= n_min}
