"""Positive scales from unconstrained parameters: σ = softplus(raw) + floor, and its inverse.

Softplus grows linearly (no exploding exp) and the floor keeps densities bounded, so a
learned or predicted scale never reaches zero.
"""

from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor


def softplus_scale(raw: Tensor, min_scale: float) -> Tensor:
    """σ = softplus(raw) + ``min_scale``, elementwise."""
    return F.softplus(raw) + min_scale


def raw_for_scale(scale: float, min_scale: float) -> float:
    """The ``raw`` with ``softplus_scale(raw, min_scale) == scale`` (an initial value)."""
    if not scale > min_scale >= 0:
        raise ValueError(f"need scale > min_scale >= 0, got scale={scale}, min_scale={min_scale}")
    return math.log(math.expm1(scale - min_scale))
