"""ELBO surgery over a held-out set: the average KL split into MI, TC and dimension-wise KL.

For a draw z_n ~ q(z | x_n) of each of N examples (Hoffman & Johnson 2016; Chen et al.
2018, "Isolating Sources of Disentanglement"),

    log q(z_n|x_n) − log p(z_n) = [log q(z_n|x_n) − log q(z_n)]            index-code MI
                                + [log q(z_n) − Σ_d log q(z_nd)]            total correlation
                                + [Σ_d log q(z_nd) − log p(z_n)]            dimension-wise KL,

where q(z) = (1/N) Σ_m q(z|x_m) is the aggregate posterior of the set. log q(z) and
log q(z_d) come from minibatches, with the minibatch-weighted (``mws``) or
minibatch-stratified (``mss``) weights of :func:`~vaekit.objectives.tc.
tc_decomposition` — the estimator the ``tc`` training term uses: the N examples are
shuffled (seeded) and cut into near-equal batches of at most ``batch_size``, with
dataset size N. Every estimator sees the same draws;
the averages over the N examples are reported, together with ``kl``, the mean of
log q(z|x) − log p(z) at those draws, computed directly — a Monte-Carlo estimate of
the average KL(q(z|x) ‖ p(z)) that mi + tc + dwkl must equal, for each estimator.

MWS as published estimates log q(z) log N too low, so its ``mi`` reads log N higher,
its ``tc`` (D − 1) log N higher and its ``dwkl`` D log N lower than MSS (the sum is
the same). Read the terms with MSS; MWS is there to compare with papers that used it.

``tc_decomposition`` assumes p = N(0, I); for any other prior, pass ``log_prior`` and
the dimension-wise KL is corrected by log N(z; 0, I) − log p(z) (exact).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from vaekit.objectives.tc import tc_decomposition
from vaekit.ops import normal_log_prob

LogDensity = Callable[[Tensor], Tensor]  # z (B, D) -> log p(z) (B,)


@dataclass(frozen=True)
class SurgeryTerms:
    """Averages over the set, in nats; mi + tc + dwkl = kl up to rounding."""

    index_code_mi: float
    total_correlation: float
    dimwise_kl: float
    kl: float


def standard_normal_log_prob(z: Tensor) -> Tensor:
    """log N(z; 0, I) ``(B, D)`` → ``(B,)``."""
    return normal_log_prob(z, torch.zeros_like(z), torch.zeros_like(z)).sum(-1)


def elbo_surgery(
    mu: Tensor,
    log_var: Tensor,
    log_prior: LogDensity | None = None,
    *,
    estimators: Sequence[str] = ("mws", "mss"),
    batch_size: int = 256,
    generator: torch.Generator | None = None,
) -> dict[str, SurgeryTerms]:
    """Average surgery terms of the set ``mu, log_var (N, D)``, N ≥ 2, per estimator name.

    ``log_prior`` maps ``z (B, D)`` to log p(z) ``(B,)``; ``None`` is N(0, I).
    """
    n = mu.shape[0]
    if n < 2:
        raise ValueError(f"ELBO surgery needs at least 2 examples, got {n}")
    order = torch.randperm(n, generator=generator).to(mu.device)
    sums = {name: torch.zeros(4, dtype=mu.dtype) for name in estimators}
    for idx in torch.tensor_split(order, math.ceil(n / max(2, batch_size))):
        m, lv = mu[idx], log_var[idx]
        eps = torch.randn(m.shape, generator=generator, dtype=m.dtype).to(m.device)
        z = m + eps * torch.exp(0.5 * lv)
        log_p = standard_normal_log_prob(z) if log_prior is None else log_prior(z)
        kl = normal_log_prob(z, m, lv).sum(-1) - log_p
        correction = standard_normal_log_prob(z) - log_p
        for name in estimators:
            t = tc_decomposition(z, m, lv, n, name)
            terms = torch.stack([t.mi, t.tc, t.dwkl + correction, kl])
            sums[name] += terms.sum(1).cpu()
    return {name: SurgeryTerms(*(s / n).tolist()) for name, s in sums.items()}
