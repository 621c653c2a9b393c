"""N(0, I) as a distribution class of its own, so that the KL of a diagonal Gaussian from it
has a registered closed form with the fewest tensor operations.

``StandardNormalDist`` is an ``Independent(Normal(0, 1), 1)`` (a
:class:`~vaekit.distributions.diagonal.DiagonalNormal`): everything that reads an
``Independent(Normal)`` (per-dimension KL, log densities) keeps working.
"""

from __future__ import annotations

import math

from torch import Tensor
from torch.distributions import Independent, Normal, register_kl

from vaekit.distributions.diagonal import DiagonalNormal

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class StandardNormalDist(DiagonalNormal):
    """N(0, I) over the last dimension of ``loc`` (all zeros) and ``scale`` (all ones)."""

    def log_prob(self, value: Tensor) -> Tensor:
        """−½ ‖z‖² − (D/2) log 2π: two tensor operations on ``value (..., D)``."""
        return value.pow(2).sum(-1) * -0.5 - value.shape[-1] * _HALF_LOG_2PI


@register_kl(Independent, StandardNormalDist)
def _kl_diagonal_standard(q: Independent, p: StandardNormalDist) -> Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_d (μ² + σ² − 1) − log σ, summed over the event."""
    if not (isinstance(q.base_dist, Normal) and q.reinterpreted_batch_ndims == 1):
        raise NotImplementedError
    loc, scale = q.base_dist.loc, q.base_dist.scale
    return (0.5 * (loc.pow(2) + scale.pow(2) - 1) - scale.log()).sum(-1)
