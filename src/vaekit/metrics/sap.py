"""Separated Attribute Predictability (Kumar et al. 2018, "DIP-VAE").

A score matrix S (D, K) holds how well code dimension d alone predicts factor k;
SAP is the mean over factors of the gap between the two best dimensions:

    SAP = (1/K) Σ_k [S_{j1,k} − S_{j2,k}].

Defaults follow disentanglement_lib for discrete factors: S_dk is the test
accuracy of ``LinearSVC(C=0.01, class_weight="balanced")`` fitted on the single
feature c_d, with a train/test split of 2 : 1 (disentanglement_lib draws 10,000
train and 5,000 test points). A dimension that carries no information scores
about chance, so even perfect codes score 1 − (chance accuracy), not 1.
"""

from __future__ import annotations

import numpy as np
from sklearn.svm import LinearSVC

from vaekit.metrics.gap import mean_top_two_gap
from vaekit.metrics.inputs import Array, check_codes_factors, sklearn_seed, train_test_split


def sap_matrix(
    codes: Array,
    factors: Array,
    *,
    test_fraction: float = 1 / 3,
    seed: int | np.random.Generator = 0,
) -> np.ndarray:
    """``(D, K)`` test accuracy of a linear SVM predicting factor k from code d alone."""
    codes, factors = check_codes_factors(codes, factors)
    rng = np.random.default_rng(seed)
    train, test = train_test_split(len(codes), test_fraction, rng)
    state = sklearn_seed(rng)

    def accuracy(c: np.ndarray, f: np.ndarray) -> float:
        svm = LinearSVC(C=0.01, class_weight="balanced", random_state=state)
        svm.fit(c[train, None], f[train])
        return float(np.mean(svm.predict(c[test, None]) == f[test]))

    return np.array([[accuracy(c, f) for f in factors.T] for c in codes.T])


def sap(
    codes: Array,
    factors: Array,
    *,
    test_fraction: float = 1 / 3,
    seed: int | np.random.Generator = 0,
) -> float:
    """SAP of ``codes (N, D)`` (D ≥ 2) against integer ``factors (N, K)``; a float in [0, 1]."""
    matrix = sap_matrix(codes, factors, test_fraction=test_fraction, seed=seed)
    return mean_top_two_gap(matrix)
