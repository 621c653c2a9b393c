"""Importance models for DCI: fit one classifier per factor, read per-code importances.

Each entry maps ``(x (n, D), y (n,), seed)`` to a fitted classifier (with
``predict``) and non-negative importances ``(D,)``. ``gbt`` is the published
choice (Eastwood & Williams 2018 as run by disentanglement_lib); the others are
faster stand-ins whose scores are not comparable with published numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vaekit.registry import Registry

IMPORTANCE_MODELS: Registry[tuple[Any, np.ndarray]] = Registry("dci importance model")


@IMPORTANCE_MODELS.register("gbt")
def fit_gbt(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[Any, np.ndarray]:
    """Gradient-boosted trees with scikit-learn defaults; impurity importances (published)."""
    model = GradientBoostingClassifier(random_state=seed).fit(x, y)
    return model, model.feature_importances_


@IMPORTANCE_MODELS.register("random_forest")
def fit_random_forest(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[Any, np.ndarray]:
    """Random forest of 100 trees, every code tried at each split; impurity importances."""
    model = RandomForestClassifier(n_estimators=100, max_features=None, random_state=seed).fit(x, y)
    return model, model.feature_importances_


@IMPORTANCE_MODELS.register("lasso")
def fit_lasso(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[Any, np.ndarray]:
    """L1 logistic regression on standardised codes; importance Σ_classes |weight|."""
    model = make_pipeline(
        StandardScaler(),
        LogisticRegression(l1_ratio=1.0, C=1.0, solver="saga", max_iter=2000, random_state=seed),
    ).fit(x, y)
    return model, np.abs(model[-1].coef_).sum(axis=0)
