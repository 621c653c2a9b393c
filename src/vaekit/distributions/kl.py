"""KL(q ‖ p) from the registered analytic table when torch has one, else Monte Carlo.

The analytic pairs are torch.distributions' ``register_kl`` table (Normal–Normal,
Independent–Independent, ...). For other pairs (flows, mixtures such as a
VampPrior) the single-sample estimate log q(z) − log p(z) at the given ``z`` is used,
which is unbiased.
"""

from __future__ import annotations

from torch import Tensor
from torch.distributions import Distribution, Independent, kl_divergence


def kl_term(q: Distribution, p: Distribution, z: Tensor, log_q: Tensor | None = None) -> Tensor:
    """KL(q(z|x) ‖ p(z)) per example ``(B,)``; analytic when registered, else at sample ``z``.

    ``log_q`` is log q(z) when the draw already gave it (a flow's one-pass sample and
    log-density); it is used only on the Monte-Carlo path.
    """
    try:
        return kl_divergence(q, p)
    except NotImplementedError:
        return (q.log_prob(z) if log_q is None else log_q) - p.log_prob(z)


def kl_per_dim(q: Distribution, p: Distribution) -> Tensor | None:
    """Analytic KL per latent dimension ``(B, D)`` for factorised pairs, else ``None``.

    Defined when both are ``Independent`` over the last dimension with an analytic
    pairwise KL of their base distributions (the diagonal-Gaussian case).
    """
    if not (isinstance(q, Independent) and isinstance(p, Independent)):
        return None
    try:
        return kl_divergence(q.base_dist, p.base_dist).expand(q.batch_shape + q.event_shape)
    except NotImplementedError:
        return None
