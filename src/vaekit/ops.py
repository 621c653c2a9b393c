"""Small numerics defined once: log-mean-exp, normal densities, unit conversions."""

from __future__ import annotations

import math

import torch
from torch import Tensor

LOG_2PI = math.log(2 * math.pi)
LN2 = math.log(2.0)


def log_mean_exp(x: Tensor, dim: int = 0) -> Tensor:
    """``log(mean(exp(x), dim))`` computed stably with logsumexp."""
    return torch.logsumexp(x, dim=dim) - math.log(x.shape[dim])


def normal_log_prob(x: Tensor, mean: Tensor, log_var: Tensor) -> Tensor:
    """Elementwise log N(x; mean, exp(log_var)) (no reduction)."""
    return -0.5 * (LOG_2PI + log_var + (x - mean).pow(2) * torch.exp(-log_var))


def nats_to_bits_per_dim(nats: Tensor | float, num_dims: int) -> Tensor | float:
    """Convert nats per example to bits per dimension."""
    return nats / (num_dims * LN2)


def flatten_sum(x: Tensor, start_dim: int = 1) -> Tensor:
    """Sum every dimension from ``start_dim`` on: ``(B, ...)`` → ``(B,)``."""
    return x.flatten(start_dim).sum(-1)


def histogram_entropy(counts: Tensor) -> Tensor:
    """Entropy in nats of each row of a histogram ``counts (..., K)`` → ``(...)``; 0 if empty."""
    p = counts / counts.sum(-1, keepdim=True).clamp_min(1)
    return -torch.special.xlogy(p, p).sum(-1)
