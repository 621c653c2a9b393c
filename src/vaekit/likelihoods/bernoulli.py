"""Bernoulli and continuous Bernoulli likelihoods parameterised by logits."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import ContinuousBernoulli as _CB

from vaekit.likelihoods.base import LIKELIHOODS, Likelihood


@LIKELIHOODS.register("bernoulli")
class Bernoulli(Likelihood):
    """Bernoulli pixels (binary or binarised data); log p computed from logits stably."""

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        logits = self.param(params, 0)
        bce = F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none")
        return -self.reduce(bce, params)

    def mean(self, params: Tensor) -> Tensor:
        return torch.sigmoid(self.param(params, 0))

    def sample(self, params: Tensor) -> Tensor:
        return torch.bernoulli(self.mean(params))


@LIKELIHOODS.register("continuous_bernoulli")
class ContinuousBernoulli(Likelihood):
    """Continuous Bernoulli (Loaiza-Ganem & Cunningham 2019): a proper density on [0, 1]."""

    def _dist(self, params: Tensor) -> _CB:
        return _CB(logits=self.param(params, 0), validate_args=False)

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        return self.reduce(self._dist(params).log_prob(x), params)

    def mean(self, params: Tensor) -> Tensor:
        return self._dist(params).mean

    def sample(self, params: Tensor) -> Tensor:
        return self._dist(params).sample()
