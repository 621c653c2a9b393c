"""Modularity and explicitness (Ridgeway & Mozer 2018, "Learning Deep Disentangled Embeddings").

Modularity: a code dimension is modular when it carries information about one
factor only. With m_dk = I(c_d; v_k) (20-bin histogram MI, see
:mod:`vaekit.metrics.mutual_info`) and θ_d = max_k m_dk, the deviation from the
ideal template (m_d· = θ_d at its best factor, 0 elsewhere) is

    δ_d = Σ_{k ≠ k*} m_dk² / (θ_d² (K − 1)),   modularity = (1/D) Σ_d (1 − δ_d),

with 1 − δ_d := 0 for a dimension with no information (as in disentanglement_lib).

Explicitness: per factor, a ``LogisticRegression`` (scikit-learn defaults) on all
codes standardised with training statistics; the score is its one-vs-rest ROC AUC on
the test split, macro-averaged over the factor's values (values absent from the test
split or present in all of it are skipped), then averaged over factors.

Modularity needs no split and uses the whole sample (disentanglement_lib: its
10,000 training points); explicitness uses a 2 : 1 train/test split (10,000 : 5,000).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from vaekit.metrics.inputs import Array, check_codes_factors, sklearn_seed, train_test_split
from vaekit.metrics.mutual_info import NUM_BINS, mutual_info_matrix


def modularity_per_code(mutual_info: np.ndarray) -> np.ndarray:
    """``(D,)`` scores 1 − δ_d of an MI matrix ``(D, K)``, K ≥ 2; 0 for uninformative codes."""
    num_factors = mutual_info.shape[1]
    if num_factors < 2:
        raise ValueError(f"modularity needs at least 2 factors, got {num_factors}")
    squared = np.square(mutual_info)
    peak = squared.max(axis=1)
    deviation = (squared.sum(axis=1) - peak) / np.where(peak > 0, peak, 1.0) / (num_factors - 1)
    return np.where(peak > 0, 1.0 - deviation, 0.0)


def _explicitness(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, state: int
) -> float:
    """Macro one-vs-rest test ROC AUC of a logistic regression predicting ``y`` from ``x``."""
    classifier = LogisticRegression(random_state=state).fit(x_train, y_train)
    onehot = y_test[:, None] == classifier.classes_[None, :]
    scored = onehot.any(axis=0) & ~onehot.all(axis=0)
    return float(
        roc_auc_score(
            onehot[:, scored], classifier.predict_proba(x_test)[:, scored], average="macro"
        )
    )


def modularity_explicitness(
    codes: Array,
    factors: Array,
    *,
    num_bins: int = NUM_BINS,
    test_fraction: float = 1 / 3,
    seed: int | np.random.Generator = 0,
) -> dict[str, float]:
    """``{"modularity", "explicitness"}`` of ``codes (N, D)``, ``factors (N, K ≥ 2)``; in [0, 1]."""
    codes, factors = check_codes_factors(codes, factors)
    modularity = float(np.mean(modularity_per_code(mutual_info_matrix(codes, factors, num_bins))))
    rng = np.random.default_rng(seed)
    train, test = train_test_split(len(codes), test_fraction, rng)
    mean, std = codes[train].mean(axis=0), codes[train].std(axis=0)
    scaled = (codes - mean) / np.where(std > 0, std, 1.0)
    state = sklearn_seed(rng)
    explicitness = np.mean(
        [_explicitness(scaled[train], f[train], scaled[test], f[test], state) for f in factors.T]
    )
    return {"modularity": modularity, "explicitness": float(explicitness)}
