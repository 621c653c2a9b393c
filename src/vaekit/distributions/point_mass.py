"""A point mass (Dirac delta) as a torch Distribution: the "posterior" of a deterministic AE."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints


class PointMass(Distribution):
    """δ(z − loc) with event shape ``loc.shape[-1:]``; ``rsample`` returns ``loc`` (with grad)."""

    arg_constraints = {"loc": constraints.real}  # noqa: RUF012 - torch's class attribute
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor) -> None:
        self.loc = loc
        super().__init__(loc.shape[:-1], loc.shape[-1:], validate_args=False)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return torch.zeros_like(self.loc)

    def rsample(self, sample_shape: torch.Size | tuple[int, ...] = ()) -> Tensor:
        return self.loc.expand(torch.Size(sample_shape) + self.loc.shape)

    def log_prob(self, value: Tensor) -> Tensor:
        return torch.zeros(value.shape[:-1], device=value.device, dtype=value.dtype)
