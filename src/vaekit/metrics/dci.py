"""DCI: Disentanglement, Completeness, Informativeness (Eastwood & Williams 2018).

One classifier per factor k predicts v_k from all codes; its feature importances
form column k of the importance matrix R (D, K). With P_dk = R_dk / Σ_k R_dk,

    disentanglement = Σ_d ρ_d (1 − H_K(P_d·)),   ρ_d = Σ_k R_dk / Σ_dk R_dk,
    completeness    = Σ_k ρ̃_k (1 − H_D(R̃_·k)),   R̃_dk = R_dk / Σ_d R_dk, ρ̃_k = Σ_d R_dk / Σ R,

where H_n is the entropy in base n (base K over factors per code, base D over codes
per factor). Defaults follow disentanglement_lib: gradient-boosted trees with
scikit-learn's defaults, a 2 : 1 train/test split (it draws 10,000 + 5,000 points),
entropies of R + 1e-11, and informativeness reported as the mean *test accuracy* over
factors (the paper defines it as a prediction error; disentanglement_lib reports
accuracy, so 1 is best). The boosting is grown from codes sorted once by default
(``model="fast_gbt"``, :class:`~vaekit.metrics.importance.PresortedBoosting`): the trees
of ``model="gbt"``, the published ``GradientBoostingClassifier``, up to ties between
equal splits, in a fraction of its time (``benchmarks/RESULTS.md``); see
:mod:`vaekit.metrics.importance`.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from joblib import Parallel, delayed
from scipy.stats import entropy
from threadpoolctl import threadpool_limits

from vaekit.metrics.importance import IMPORTANCE_MODELS
from vaekit.metrics.inputs import Array, check_codes_factors, sklearn_seed, train_test_split

PARALLEL_FROM = 2000  # codes from which ``workers=None`` fits factors in parallel


def _fit(
    model: str,
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    test_x: np.ndarray,
    test_y: np.ndarray,
) -> tuple[np.ndarray, float]:
    """One factor's ``(|importances| (D,), test accuracy)``, on one thread (OpenMP, BLAS and
    torch alike: the arrays are too small to share)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            classifier, importance = IMPORTANCE_MODELS.get(model)(x, y, seed)
            accuracy = float(np.mean(classifier.predict(test_x) == test_y))
    finally:
        torch.set_num_threads(threads)
    return np.abs(importance), accuracy


def _importance_and_accuracy(
    codes: Array,
    factors: Array,
    model: str,
    test_fraction: float,
    seed: int | np.random.Generator,
    workers: int | None,
) -> tuple[np.ndarray, float]:
    """``(R (D, K), mean test accuracy)`` from one fitted ``model`` per factor, ``workers``
    processes at a time (``None``: one per CPU core from :data:`PARALLEL_FROM` codes)."""
    IMPORTANCE_MODELS.get(model)  # an unknown name fails here, listing the valid ones
    codes, factors = check_codes_factors(codes, factors)
    rng = np.random.default_rng(seed)
    train, test = train_test_split(len(codes), test_fraction, rng)
    state = sklearn_seed(rng)
    jobs = [(model, codes[train], f[train], state, codes[test], f[test]) for f in factors.T]
    if workers is None:  # a process pays off once a factor's fit takes seconds
        workers = min(os.cpu_count() or 1, len(jobs)) if len(codes) >= PARALLEL_FROM else 1
    if workers > 1:  # processes: the fits hold the GIL too often for threads to help
        found = Parallel(n_jobs=workers, backend="loky")(delayed(_fit)(*job) for job in jobs)
    else:
        found = [_fit(*job) for job in jobs]
    return np.stack([c for c, _ in found], axis=1), float(np.mean([a for _, a in found]))


def dci_importance(
    codes: Array,
    factors: Array,
    *,
    model: str = "fast_gbt",
    test_fraction: float = 1 / 3,
    seed: int | np.random.Generator = 0,
    workers: int | None = None,
) -> np.ndarray:
    """``(D, K)`` importance of code d for predicting factor k (columns from one model each,
    ``workers`` processes at a time; ``None``: one per CPU core from
    :data:`PARALLEL_FROM` codes)."""
    return _importance_and_accuracy(codes, factors, model, test_fraction, seed, workers)[0]


def _weighted_row_score(r: np.ndarray) -> float:
    """Σ_i w_i (1 − H_n(r_i / Σ r_i)) over the rows of ``r (m, n)``, w_i ∝ Σ r_i."""
    m, n = r.shape
    per_row = np.ones(m) if n == 1 else 1.0 - entropy(r + 1e-11, base=n, axis=1)
    total = r.sum()
    weights = r.sum(axis=1) / total if total > 0 else np.full(m, 1.0 / m)
    return float(per_row @ weights)


def disentanglement(importance: np.ndarray) -> float:
    """DCI disentanglement of importance ``(D, K)``: 1 when each code serves one factor."""
    return _weighted_row_score(np.asarray(importance, dtype=np.float64))


def completeness(importance: np.ndarray) -> float:
    """DCI completeness of an importance matrix ``(D, K)``: 1 when each factor uses one code."""
    return _weighted_row_score(np.asarray(importance, dtype=np.float64).T)


def dci(
    codes: Array,
    factors: Array,
    *,
    model: str = "fast_gbt",
    test_fraction: float = 1 / 3,
    seed: int | np.random.Generator = 0,
    workers: int | None = None,
) -> dict[str, float]:
    """``{"disentanglement", "completeness", "informativeness"}`` of ``codes``, in [0, 1]
    (``workers`` factors fitted at a time in processes; ``None``: one per CPU core
    from :data:`PARALLEL_FROM` codes)."""
    importance, accuracy = _importance_and_accuracy(
        codes, factors, model, test_fraction, seed, workers
    )
    return {
        "disentanglement": disentanglement(importance),
        "completeness": completeness(importance),
        "informativeness": accuracy,
    }
