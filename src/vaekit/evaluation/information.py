"""Information in a diagonal-Gaussian posterior: I(x; z), KL(q(z) ‖ p(z)) and the TC split.

The aggregate posterior of a set of N inputs is the mixture

    q(z) = (1/N) Σ_n q(z|x_n),   q(z|x_n) = N(z; μ_n, diag exp(log_var_n)),

so every function here takes ``mu, log_var (N, D)`` from any encoder and needs no
model. The prior is p(z) = N(0, I).

* :func:`mutual_information` — I(x; z) = E_x E_{q(z|x)}[log q(z|x) − log q(z)],
  at most log N (Hoffman & Johnson 2016, "ELBO surgery").
* :func:`marginal_kl` — KL(q(z) ‖ p(z)) = E_{q(z)}[log q(z) − log p(z)].
* :func:`tc_decomposition` — per example, the β-TCVAE split (Chen et al. 2018)
  E[log q(z|x) − log p(z)] = MI + TC + dimension-wise KL, with log q(z) and
  log Π_d q(z_d) estimated from the minibatch (MWS or MSS). It is differentiable
  and serves as the training term of β-TCVAE.

The first two are Monte-Carlo estimates with log q(z) evaluated against all N
components in chunks of at most ``max_elements`` ``(chunk, N, D)`` entries; wrap
them in ``torch.no_grad()`` for evaluation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from vaekit.ops import log_mean_exp, normal_log_prob
from vaekit.registry import ConfigError, Registry, UnknownNameError


def aggregate_log_prob(
    z: Tensor, mu: Tensor, log_var: Tensor, *, max_elements: int = 2**23
) -> Tensor:
    """log q(z) = log (1/N) Σ_n q(z|x_n) for ``z (M, D)``, ``mu, log_var (N, D)`` → ``(M,)``."""
    chunk = max(1, max_elements // mu.numel())
    return torch.cat(
        [
            log_mean_exp(normal_log_prob(part[:, None], mu, log_var).sum(-1), dim=1)
            for part in z.split(chunk)
        ]
    )


def _sample(
    mu: Tensor, log_var: Tensor, num_samples: int, generator: torch.Generator | None
) -> Tensor:
    """``num_samples`` draws from every q(z|x_n): ``(S, N, D)``."""
    eps = torch.randn(
        (num_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device
    )
    return mu + eps * torch.exp(0.5 * log_var)


def mutual_information(
    mu: Tensor,
    log_var: Tensor,
    *,
    num_samples: int = 1,
    generator: torch.Generator | None = None,
    max_elements: int = 2**23,
) -> Tensor:
    """Monte-Carlo I(x; z) in nats (scalar) under the aggregate of ``mu, log_var (N, D)``.

    ``num_samples`` draws per q(z|x_n), i.e. N · S samples in all (stratified over x).
    """
    z = _sample(mu, log_var, num_samples, generator)
    log_q_zx = normal_log_prob(z, mu, log_var).sum(-1)
    log_q_z = aggregate_log_prob(z.flatten(0, 1), mu, log_var, max_elements=max_elements)
    return (log_q_zx.flatten() - log_q_z).mean()


def marginal_kl(
    mu: Tensor,
    log_var: Tensor,
    *,
    num_samples: int = 1,
    generator: torch.Generator | None = None,
    max_elements: int = 2**23,
) -> Tensor:
    """Monte-Carlo KL(q(z) ‖ N(0, I)) in nats (scalar); ``num_samples`` draws per q(z|x_n)."""
    z = _sample(mu, log_var, num_samples, generator).flatten(0, 1)
    log_q_z = aggregate_log_prob(z, mu, log_var, max_elements=max_elements)
    log_p_z = normal_log_prob(z, torch.zeros_like(z), torch.zeros_like(z)).sum(-1)
    return (log_q_z - log_p_z).mean()


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
