"""N(μ, diag σ²) over the last dimension, cheap to build in a training step.

``DiagonalNormal`` is an ``Independent(Normal(loc, scale), 1)`` — every isinstance check,
registered KL and method of those classes applies — built without the broadcasting and
shape bookkeeping of their constructors, which a training step would otherwise pay twice
(posterior and prior) on every batch. ``loc`` and ``scale`` must have the same shape.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.distributions import Distribution, Independent, Normal


class _SameShapeNormal(Normal):
    """A ``Normal`` whose ``loc`` and ``scale`` already have one shape (no broadcast)."""

    def __init__(self, loc: Tensor, scale: Tensor) -> None:
        self.loc, self.scale = loc, scale
        Distribution.__init__(self, loc.shape, validate_args=False)

    def expand(self, batch_shape: torch.Size, _instance: Normal | None = None) -> Normal:
        shape = torch.Size(batch_shape)
        return _SameShapeNormal(self.loc.expand(shape), self.scale.expand(shape))


class DiagonalNormal(Independent):
    """N(``loc``, diag ``scale``²): batch shape ``loc.shape[:-1]``, event ``loc.shape[-1:]``."""

    def __init__(self, loc: Tensor, scale: Tensor) -> None:
        if loc.shape != scale.shape:
            raise ValueError(f"loc and scale differ in shape: {loc.shape} vs {scale.shape}")
        self.base_dist = _SameShapeNormal(loc, scale)
        self.reinterpreted_batch_ndims = 1
        Distribution.__init__(self, loc.shape[:-1], loc.shape[-1:], validate_args=False)

    def expand(
        self, batch_shape: torch.Size, _instance: Independent | None = None
    ) -> DiagonalNormal:
        shape = torch.Size(batch_shape) + self.event_shape
        return DiagonalNormal(self.base_dist.loc.expand(shape), self.base_dist.scale.expand(shape))

    def rsample(self, sample_shape: torch.Size | tuple[int, ...] = ()) -> Tensor:
        """``loc + scale · ε`` with ε ~ N(0, I) of shape ``sample_shape + loc.shape``."""
        loc = self.base_dist.loc
        eps = torch.randn(torch.Size(sample_shape) + loc.shape, dtype=loc.dtype, device=loc.device)
        return loc + eps * self.base_dist.scale
