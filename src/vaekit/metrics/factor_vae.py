"""FactorVAE score (Kim & Mnih 2018, "Disentangling by Factorising").

1. Estimate each code dimension's variance s_d² over ``num_variance_estimate``
   random images; dimensions with s_d² < ``prune_threshold`` count as collapsed and
   are dropped (as are constant ones).
2. One vote: pick a factor k uniformly, draw L = ``batch_size`` factor vectors that
   share the value of factor k, encode them and vote for the pair
   (k, argmin_d Var_L(z_d) / s_d²) — the dimension that varies least once
   normalised.
3. The majority-vote classifier maps each dimension to the factor that voted for
   it most on ``num_train`` votes; the score is its accuracy on ``num_eval`` fresh
   votes (a float in [0, 1]; 0 when every dimension is collapsed; chance is about 1/K).

Defaults follow disentanglement_lib: L = 64, 10,000 train votes, 5,000 eval votes,
10,000 images for the variances, variances with ``ddof=1``. The paper prunes
collapsed dimensions; our default threshold is a variance of 0.05 on the raw codes.
disentanglement_lib's threshold is 0, i.e. it prunes nothing: ``prune_threshold=0``
reproduces it (constant dimensions, which it would divide by zero, are still dropped).
"""

from __future__ import annotations

import numpy as np

from vaekit.metrics.represent import Represent, fix_one_factor, reduce_groups
from vaekit.types import FactorDataset


def _votes(
    represent: Represent,
    dataset: FactorDataset,
    num_votes: int,
    batch_size: int,
    active: np.ndarray,
    variance: np.ndarray,
    rng: np.random.Generator,
    chunk_size: int,
) -> np.ndarray:
    """``(K, D_active)`` vote counts over the ``active`` dims, whose variances are ``variance``."""
    num_factors = len(dataset.factor_sizes)
    fixed = rng.integers(num_factors, size=num_votes)
    factors = dataset.sample_factors(num_votes * batch_size, rng)
    factors = factors.reshape(num_votes, batch_size, num_factors)
    factors = fix_one_factor(factors, factors[:, :1], fixed)
    winners = reduce_groups(
        represent,
        dataset,
        factors,
        lambda z: np.argmin(np.var(z[..., active], axis=1, ddof=1) / variance, axis=1),
        chunk_size,
    )
    votes = np.zeros((num_factors, int(active.sum())), dtype=np.int64)
    np.add.at(votes, (fixed, winners), 1)
    return votes


def factor_vae_score(
    represent: Represent,
    dataset: FactorDataset,
    *,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    batch_size: int = 64,
    num_variance_estimate: int = 10_000,
    prune_threshold: float = 0.05,
    seed: int | np.random.Generator = 0,
    chunk_size: int = 4096,
) -> float:
    """Evaluation accuracy of the FactorVAE majority-vote classifier, in [0, 1].

    ``represent`` maps images ``(n, C, H, W)`` to codes ``(n, D)``; it is called on
    about ``chunk_size`` images at a time.
    """
    rng = np.random.default_rng(seed)
    sample = dataset.sample_factors(num_variance_estimate, rng)[:, None]
    codes = reduce_groups(represent, dataset, sample, lambda z: z[:, 0], chunk_size)
    variance = np.var(codes, axis=0, ddof=1)
    active = (variance >= prune_threshold) & (variance > 0)
    if not active.any():
        return 0.0
    kept = variance[active]
    train = _votes(represent, dataset, num_train, batch_size, active, kept, rng, chunk_size)
    classifier = np.argmax(train, axis=0)
    test = _votes(represent, dataset, num_eval, batch_size, active, kept, rng, chunk_size)
    return float(test[classifier, np.arange(test.shape[1])].sum() / test.sum())
