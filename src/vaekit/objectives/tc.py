"""The total-correlation decomposition of the KL (Chen et al. 2018, β-TCVAE), shared by
training (the ``tc`` term) and evaluation (ELBO surgery in ``vaekit diagnose``).

For z ~ q(z|x) of a batch from a dataset of N examples,

    log q(z|x) − log p(z) = [log q(z|x) − log q(z)]            index-code MI
                          + [log q(z) − Σ_d log q(z_d)]        total correlation
                          + [Σ_d log q(z_d) − log p(z)]        dimension-wise KL,

with the aggregate densities log q(z) and log q(z_d) estimated from the minibatch by
minibatch-weighted (``mws``) or minibatch-stratified (``mss``) sampling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.distributions import Distribution, Independent, Normal

from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.ops import normal_log_prob
from vaekit.registry import ConfigError, Registry, UnknownNameError, VaekitError
from vaekit.types import StepContext


@dataclass(frozen=True)
class TCTerms:
    """Per-example ``(B,)`` terms with mi + tc + dwkl = log q(z|x) − log p(z).

    ``mi`` = log q(z|x) − log q(z) (index-code MI), ``tc`` = log q(z) − Σ_d log q(z_d)
    (total correlation), ``dwkl`` = Σ_d log q(z_d) − log p(z) (dimension-wise KL).
    """

    mi: Tensor
    tc: Tensor
    dwkl: Tensor


TC_ESTIMATORS: Registry[Tensor] = Registry("tc estimator")


@TC_ESTIMATORS.register("mws")
def mws_log_weights(
    batch_size: int, dataset_size: int, *, dtype: torch.dtype, device: torch.device
) -> Tensor:
    """Minibatch-weighted sampling: weight 1/(N B) for every pair, as published.

    The paper's (and reference code's) 1/(N B) puts log q(z) log N below the plain
    batch average (1/B) Σ_j q(z|x_j): gradients are unaffected, but the logged ``mi``
    is larger by log N and ``tc`` by (D − 1) log N. Report values with ``"mss"``.
    """
    return torch.full(
        (batch_size, batch_size), -math.log(dataset_size * batch_size), dtype=dtype, device=device
    )


@TC_ESTIMATORS.register("mss")
def mss_log_weights(
    batch_size: int, dataset_size: int, *, dtype: torch.dtype, device: torch.device
) -> Tensor:
    """Minibatch-stratified sampling: importance weights that make q(z) unbiased.

    Row i weights 1/N on j = i, (N − M)/(N M) on j = i + 1 mod B and 1/M elsewhere,
    M = B − 1; each row sums to 1. The paper's appendix weights; the reference code's
    strided fill puts them in the wrong cells (rtqichen/beta-tcvae pull request #1).
    """
    if not 2 <= batch_size <= dataset_size:
        raise ValueError(
            f"MSS needs 2 <= batch_size <= dataset_size, got {batch_size} and {dataset_size}"
        )
    n, m = dataset_size, batch_size - 1
    weights = torch.full((batch_size, batch_size), 1.0 / m, dtype=dtype, device=device)
    rows = torch.arange(batch_size, device=device)
    weights[rows, (rows + 1) % batch_size] = (n - m) / (n * m)
    weights[rows, rows] = 1.0 / n
    return weights.log()


def tc_decomposition(
    z: Tensor, mu: Tensor, log_var: Tensor, dataset_size: int, estimator: str = "mws"
) -> TCTerms:
    """Split log q(z|x) − log p(z) for ``z (B, D)`` ~ q(z|x_b) into :class:`TCTerms`.

    With pairwise log densities ℓ_ijd = log q(z_id | x_j) and the estimator's weights w_ij,
    log q(z_i) ≈ log Σ_j w_ij Π_d q(z_id|x_j) and log q(z_id) ≈ log Σ_j w_ij q(z_id|x_j).
    ``estimator`` is a name in :data:`TC_ESTIMATORS` (``"mws"``, ``"mss"``).
    """
    try:
        log_weights = TC_ESTIMATORS.get(estimator)
    except UnknownNameError as err:
        raise ConfigError(str(err)) from None
    log_w = log_weights(z.shape[0], dataset_size, dtype=z.dtype, device=z.device)
    pairwise = normal_log_prob(z[:, None], mu[None], log_var[None])
    log_q_z = torch.logsumexp(log_w + pairwise.sum(-1), dim=1)
    log_q_marginals = torch.logsumexp(log_w[..., None] + pairwise, dim=1).sum(-1)
    log_q_zx = pairwise.diagonal(dim1=0, dim2=1).sum(0)
    log_p_z = normal_log_prob(z, torch.zeros_like(z), torch.zeros_like(z)).sum(-1)
    return TCTerms(
        mi=log_q_zx - log_q_z, tc=log_q_z - log_q_marginals, dwkl=log_q_marginals - log_p_z
    )


def diagonal_gaussian(q: Distribution) -> tuple[Tensor, Tensor] | None:
    """``(loc, scale)`` of an ``Independent(Normal, 1)`` distribution, else ``None``."""
    if (
        isinstance(q, Independent)
        and isinstance(q.base_dist, Normal)
        and q.reinterpreted_batch_ndims == 1
    ):
        return q.base_dist.loc, q.base_dist.scale
    return None


@TERMS.register("tc")
class TotalCorrelation(Term):
    """α·MI + β·TC + γ·dimension-wise KL per example (β-TCVAE, Chen et al. 2018).

    Replaces the ``kl`` term (with α = β = γ = 1 it is an estimate of the same KL). Needs a
    diagonal-Gaussian posterior, a standard-normal prior and the dataset size (from the
    engine's :class:`~vaekit.types.StepContext`); ``estimator`` is ``mss`` or ``mws``
    (a batch of one example, such as the last of an epoch, uses ``mws``: MSS is undefined
    there). A batch larger than the dataset size, as validation batches on a small
    training subset, counts the dataset as that batch's size.
    Logs ``mi``, ``tc`` and ``dwkl`` per example, and its value as ``tc_loss``. The KL
    warm-up multiplies it.
    """

    name = "tc_loss"
    warmup = True

    def __init__(
        self, alpha: float = 1.0, beta: float = 6.0, gamma: float = 1.0, estimator: str = "mss"
    ) -> None:
        super().__init__()
        if estimator not in TC_ESTIMATORS:
            raise ValueError(
                f"unknown tc estimator {estimator!r}; valid choices: "
                f"{', '.join(TC_ESTIMATORS.names())}"
            )
        self.alpha, self.beta, self.gamma, self.estimator = alpha, beta, gamma, estimator

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        gaussian = diagonal_gaussian(p.q)  # type: ignore[attr-defined]
        if gaussian is None:
            raise VaekitError("the tc term needs a diagonal-Gaussian posterior q(z|x)")
        loc, scale = gaussian
        b = len(p.batch)
        n = max(ctx.dataset_size or b, b)  # a validation batch may outnumber the training set
        estimator = self.estimator if b >= 2 else "mws"  # MSS needs two examples; MWS any
        t = tc_decomposition(p.z, loc, 2 * scale.log(), n, estimator)
        logs.terms.update(mi=t.mi, tc=t.tc, dwkl=t.dwkl)
        return self.alpha * t.mi + self.beta * t.tc + self.gamma * t.dwkl
