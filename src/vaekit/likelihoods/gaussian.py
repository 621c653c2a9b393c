"""Gaussian likelihood with a fixed, a learned global, or a learned per-pixel scale."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vaekit.likelihoods.base import LIKELIHOODS, Likelihood
from vaekit.ops import LOG_2PI

_MIN_SCALE = 1e-3


@LIKELIHOODS.register("gaussian")
class Gaussian(Likelihood):
    """N(x; μ(z), σ²) per dimension.

    ``learn``: ``"none"`` keeps σ = ``sigma``; ``"global"`` learns one σ (initialised
    at ``sigma``); ``"pixel"`` lets the decoder output σ per dimension. Learned
    scales go through softplus plus a floor of 1e-3 so the density stays bounded.
    """

    def __init__(self, sigma: float = 1.0, learn: str = "none") -> None:
        super().__init__()
        if learn not in ("none", "global", "pixel"):
            raise ValueError(f"gaussian learn must be one of none, global, pixel; got {learn!r}")
        if sigma <= 0:
            raise ValueError(f"gaussian sigma must be > 0, got {sigma}")
        self.learn = learn
        self.num_params = 2 if learn == "pixel" else 1
        raw = math.log(math.expm1(max(sigma - _MIN_SCALE, 1e-6)))  # softplus⁻¹
        if learn == "global":
            self.raw_scale = nn.Parameter(torch.tensor(raw))
        else:
            self.register_buffer("raw_scale", torch.tensor(raw))
        self.sigma = sigma

    def scale(self, params: Tensor) -> Tensor:
        """σ broadcastable to the data: ``(B, *shape)`` or a scalar."""
        if self.learn == "none":
            return torch.full((), self.sigma, device=params.device, dtype=params.dtype)
        raw = self.param(params, 1) if self.learn == "pixel" else self.raw_scale
        return F.softplus(raw) + _MIN_SCALE

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        mu = self.param(params, 0)
        if self.learn != "pixel":  # one σ: −½ Σ (x − μ)² / σ² − n (log σ + ½ log 2π)
            squares = self.reduce((x - mu).pow(2), params)
            n = math.prod(mu.shape[-self._ndim(params) :])
            if self.learn == "none":  # constants in Python: two fewer tensor operations
                return squares * (-0.5 / self.sigma**2) - n * (math.log(self.sigma) + 0.5 * LOG_2PI)
            scale = self.scale(params)
            return squares * (-0.5 / scale.pow(2)) - n * (scale.log() + 0.5 * LOG_2PI)
        scale = self.scale(params)
        lp = -0.5 * LOG_2PI - torch.log(scale) - 0.5 * ((x - mu) / scale) ** 2
        return self.reduce(lp.expand_as(mu), params)

    def mean(self, params: Tensor) -> Tensor:
        return self.param(params, 0)

    def sample(self, params: Tensor) -> Tensor:
        mu = self.param(params, 0)
        return mu + self.scale(params) * torch.randn_like(mu)
