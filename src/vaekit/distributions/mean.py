"""E[z] of any distribution: analytic when the family defines it, else Monte Carlo."""

from __future__ import annotations

from torch import Tensor
from torch.distributions import Distribution


def mean_of(dist: Distribution, num_samples: int = 64) -> Tensor:
    """E[z] ``(*batch_shape, *event_shape)``: ``dist.mean``, or the average of draws.

    Families with a closed-form mean (Normal, Independent, MixtureSameFamily, a point
    mass) return it as is; for the others (flows, other transformed distributions)
    ``dist.mean`` raises ``NotImplementedError`` and the average of ``num_samples`` draws
    is returned, through ``rsample`` when the family has it so gradients flow.
    """
    try:
        return dist.mean
    except NotImplementedError:
        if num_samples < 1:
            raise ValueError(f"mean_of needs num_samples >= 1, got {num_samples}") from None
        draw = dist.rsample if dist.has_rsample else dist.sample
        return draw((num_samples,)).mean(0)
