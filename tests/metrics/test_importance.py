"""The presorted booster grows scikit-learn's gradient-boosted trees: the same scores on
the training data, the same predictions, importances within tie-breaking."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from vaekit.metrics.importance import PresortedBoosting


def _codes(n: int, classes: int, seed: int, decimals: int | None = None):
    rng = np.random.default_rng(seed)
    y = rng.integers(classes, size=n)
    x = np.stack([y + rng.normal(size=n), y * rng.normal(size=n), rng.normal(size=n)], axis=1)
    if decimals is not None:  # many exact ties: splits only between distinct values
        x = x.round(decimals)
    return x.astype(np.float32), y


def test_two_classes_give_scikit_learns_scores_to_rounding() -> None:
    x, y = _codes(400, 2, seed=0)
    ours = PresortedBoosting().fit(x, y)
    theirs = GradientBoostingClassifier(random_state=0).fit(x, y)
    np.testing.assert_allclose(ours.decision_function(x)[:, 0], theirs.decision_function(x))
    np.testing.assert_allclose(ours.feature_importances_, theirs.feature_importances_, atol=1e-3)


@pytest.mark.parametrize(("classes", "decimals"), [(3, None), (6, None), (5, 1), (3, 0)])
def test_several_classes_give_scikit_learns_trees_up_to_ties(classes, decimals) -> None:
    x, y = _codes(600, classes, seed=classes, decimals=decimals)
    test_x, test_y = _codes(300, classes, seed=100 + classes, decimals=decimals)
    ours = PresortedBoosting().fit(x, y)
    theirs = GradientBoostingClassifier(random_state=0).fit(x, y)
    # equally good splits (common in the first rounds, where the residuals take one value
    # per class) are drawn at random on both sides: importances move by a few thousandths,
    # a few uncertain predictions change, the accuracy hardly
    assert np.abs(ours.feature_importances_ - theirs.feature_importances_).max() < 0.005
    assert np.mean(ours.predict(x) == theirs.predict(x)) > 0.97
    accuracy = [np.mean(m.predict(test_x) == test_y) for m in (ours, theirs)]
    assert abs(accuracy[0] - accuracy[1]) < 0.03
    assert ours.feature_importances_.sum() == pytest.approx(1.0)
