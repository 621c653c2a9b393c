"""Discretised logistic likelihood for 8-bit data in [0, 1] (PixelCNN++ style, one component)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from vaekit.likelihoods.base import LIKELIHOODS, Likelihood


@LIKELIHOODS.register("discretized_logistic")
class DiscretizedLogistic(Likelihood):
    """P(x) = CDF(x + h) − CDF(x − h) of a logistic, with edge bins taking the tails.

    Data in [0, 1] on a grid of ``bins`` levels (h = half a bin). The decoder outputs
    the mean and a log scale (clamped below at −7 for stability).
    """

    num_params = 2

    def __init__(self, bins: int = 256) -> None:
        super().__init__()
        if bins < 2:
            raise ValueError(f"discretized_logistic bins must be >= 2, got {bins}")
        self.bins = bins

    def _loc_scale(self, params: Tensor) -> tuple[Tensor, Tensor]:
        return torch.sigmoid(self.param(params, 0)), self.param(params, 1).clamp(min=-7.0)

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        loc, log_scale = self._loc_scale(params)
        half = 0.5 / (self.bins - 1)
        x = torch.round(x * (self.bins - 1)) / (self.bins - 1)
        inv = torch.exp(-log_scale)
        plus, minus = inv * (x - loc + half), inv * (x - loc - half)
        log_cdf_plus = F.logsigmoid(plus)  # bottom bin: log CDF(x + h)
        log_sf_minus = -F.softplus(minus)  # top bin: log (1 − CDF(x − h))
        # CDF(plus) − CDF(minus) = σ(a) − σ(b), taken on the side of the mean where it does
        # not cancel (right of the mean a = −minus, b = −plus):
        # log σ(a) + log(1 − exp(log σ(b) − log σ(a)))
        right = (plus + minus) > 0
        log_a = F.logsigmoid(torch.where(right, -minus, plus))
        log_b = F.logsigmoid(torch.where(right, -plus, minus))
        gap = (log_b - log_a).clamp(max=-torch.finfo(x.dtype).tiny)
        log_mid = log_a + torch.log(-torch.expm1(gap))
        lp = torch.where(x <= 0, log_cdf_plus, torch.where(x >= 1, log_sf_minus, log_mid))
        return self.reduce(lp, params)

    def mean(self, params: Tensor) -> Tensor:
        return self._loc_scale(params)[0]

    def sample(self, params: Tensor) -> Tensor:
        loc, log_scale = self._loc_scale(params)
        u = torch.rand_like(loc).clamp(1e-5, 1 - 1e-5)
        x = loc + torch.exp(log_scale) * (torch.log(u) - torch.log1p(-u))
        return torch.round(x.clamp(0, 1) * (self.bins - 1)) / (self.bins - 1)
