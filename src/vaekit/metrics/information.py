"""Information in a diagonal-Gaussian posterior: I(x; z), KL(q(z) ‖ p(z)) and the TC split.

The aggregate posterior of a set of N inputs is the mixture

    q(z) = (1/N) Σ_n q(z|x_n),   q(z|x_n) = N(z; μ_n, diag exp(log_var_n)),

so every function here takes ``mu, log_var (N, D)`` from any encoder and needs no
model. The prior is p(z) = N(0, I).

* :func:`mutual_information` — I(x; z) = E_x E_{q(z|x)}[log q(z|x) − log q(z)],
  at most log N (Hoffman & Johnson 2016, "ELBO surgery").
* :func:`marginal_kl` — KL(q(z) ‖ p(z)) = E_{q(z)}[log q(z) − log p(z)].

The β-TCVAE split of the KL into MI + TC + dimension-wise KL is a training term and
lives in :mod:`vaekit.objectives.tc`.

The first two are Monte-Carlo estimates with log q(z) evaluated against all N
components as two matrix products per chunk of at most ``max_elements`` ``(chunk, N)``
log densities (:func:`aggregate_log_prob`): 10,000 codes take about a second, not a
minute. Wrap them in ``torch.no_grad()`` for evaluation.
"""

from __future__ import annotations

import torch
from torch import Tensor

from vaekit.ops import LOG_2PI, log_mean_exp, normal_log_prob


def aggregate_log_prob(
    z: Tensor, mu: Tensor, log_var: Tensor, *, max_elements: int = 2**23
) -> Tensor:
    """log q(z) = log (1/N) Σ_n q(z|x_n) for ``z (M, D)``, ``mu, log_var (N, D)`` → ``(M,)``.

    Σ_d log N(z_d; μ_nd, σ_nd²) = −½ [z² · a_n − 2 z · (μ_n a_n) + Σ_d (μ_nd² a_nd + log
    2πσ_nd²)] with a = 1/σ²: the ``(M, N)`` log densities are two matrix products, in
    float64 (the expansion cancels large terms) on codes centred at the mean of ``mu``.
    """
    centre = mu.mean(0)
    zc, mc = (z - centre).double(), (mu - centre).double()
    lv = log_var.double()
    a = torch.exp(-lv)
    const = (mc.pow(2) * a + lv).sum(-1) + mu.shape[-1] * LOG_2PI  # (N,)
    chunk = max(1, max_elements // max(1, len(mu)))
    parts = [
        log_mean_exp(-0.5 * (part.pow(2) @ a.T - 2 * part @ (mc * a).T + const), dim=1)
        for part in zc.split(chunk)
    ]
    return torch.cat(parts).to(z.dtype)


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
