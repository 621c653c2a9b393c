"""BetaVAE score (Higgins et al. 2017, "β-VAE").

One training point: pick a factor k uniformly, draw L = ``batch_size`` pairs of
factor vectors that agree on factor k only by construction (both otherwise random),
encode both images of each pair, and take the feature

    x = (1/L) Σ_l |z(a_l) − z(b_l)|   (D,),   label k.

A linear classifier that recovers k from x says the fixed factor is visible as
low variation along its own code dimensions. The score is the classifier's
*evaluation accuracy* (a float in [0, 1]; chance is 1/K). Defaults follow
disentanglement_lib: L = 64, 10,000 training and 5,000 evaluation points,
``LogisticRegression`` with scikit-learn defaults (today lbfgs, multinomial;
disentanglement_lib ran the older liblinear one-vs-rest default).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from vaekit.metrics.inputs import sklearn_seed
from vaekit.metrics.represent import Represent, fix_one_factor, reduce_groups
from vaekit.types import FactorDataset


def _pair_features(
    represent: Represent,
    dataset: FactorDataset,
    num_points: int,
    batch_size: int,
    rng: np.random.Generator,
    chunk_size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``(features (P, D), fixed factor (P,))`` for ``num_points`` groups of pairs."""
    num_factors = len(dataset.factor_sizes)
    fixed = rng.integers(num_factors, size=num_points)
    shape = (num_points, batch_size, num_factors)
    first = dataset.sample_factors(num_points * batch_size, rng).reshape(shape)
    second = dataset.sample_factors(num_points * batch_size, rng).reshape(shape)
    pairs = np.concatenate([first, fix_one_factor(second, first, fixed)], axis=1)
    features = reduce_groups(
        represent,
        dataset,
        pairs,
        lambda z: np.abs(z[:, :batch_size] - z[:, batch_size:]).mean(axis=1),
        chunk_size,
    )
    return features, fixed


def beta_vae_score(
    represent: Represent,
    dataset: FactorDataset,
    *,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    batch_size: int = 64,
    seed: int | np.random.Generator = 0,
    chunk_size: int = 4096,
) -> float:
    """Evaluation accuracy of the BetaVAE-score classifier, in [0, 1].

    ``represent`` maps images ``(n, C, H, W)`` to codes ``(n, D)``; it is called on
    about ``chunk_size`` images at a time.
    """
    rng = np.random.default_rng(seed)
    x_train, y_train = _pair_features(represent, dataset, num_train, batch_size, rng, chunk_size)
    x_eval, y_eval = _pair_features(represent, dataset, num_eval, batch_size, rng, chunk_size)
    classifier = LogisticRegression(random_state=sklearn_seed(rng)).fit(x_train, y_train)
    return float(classifier.score(x_eval, y_eval))
