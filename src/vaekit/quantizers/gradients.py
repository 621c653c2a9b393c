"""Gradient estimators: how gradients cross the non-differentiable code lookup.

An estimator maps ``(e, q)`` (encoder output and its selected code, ``(N, d)``)
to ``z_q`` whose *value* is exactly ``q`` and whose gradient w.r.t. ``e`` is the
estimator's surrogate. Neither passes gradient to the codebook through ``z_q``
(the codebook learns from its own loss or update rule).
Registered in :data:`GRADIENTS` as ``ste`` and ``rotation``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vaekit.registry import Registry

GRADIENTS: Registry[GradientEstimator] = Registry("gradient estimator")

EPS = 1e-12


class GradientEstimator(nn.Module, ABC):
    """``forward(e, q) -> z_q``: value ``q``, gradient ``∂z_q/∂e`` chosen by the estimator."""

    @abstractmethod
    def forward(self, e: Tensor, q: Tensor) -> Tensor:
        """``e, q (N, d)`` → ``z_q (N, d)`` equal to ``q``."""


@GRADIENTS.register("ste")
class StraightThrough(GradientEstimator):
    """Straight-through estimator (Bengio et al. 2013; van den Oord et al. 2017): ∂z_q/∂e = I.

    Written as ``sg(q) + (e − sg(e))`` so that the value is exactly ``q``.
    """

    def forward(self, e: Tensor, q: Tensor) -> Tensor:
        return q.detach() + (e - e.detach())


@GRADIENTS.register("rotation")
class RotationTrick(GradientEstimator):
    """Rotation trick (Fifty et al. 2024): rotate and rescale ``e`` onto ``q``.

    "Restructuring Vector Quantization with the Rotation Trick", ICLR 2025.

    ``z_q = sg(λR) e`` with ``λ = ‖q‖/‖e‖`` and ``R`` the rotation taking ``ê = e/‖e‖``
    to ``q̂ = q/‖q‖`` in the plane they span, so the value is ``q`` while the
    gradient is ``∂L/∂e = λ Rᵀ ∂L/∂z_q``. ``R`` is applied in the paper's
    Householder form without building a ``d×d`` matrix:
    ``R e = e − 2 r (rᵀe) + 2 q̂ (êᵀe)``, ``r = (ê + q̂)/‖ê + q̂‖``.

    The gradient is only as good as the geometry: it assumes each code serves outputs
    of about its own direction (small angles, ``λ ≈ 1``). A codebook whose few used
    codes serve outputs of every direction around the origin drives those codes to
    ``‖q‖ → 0``, and then ``λ → 0`` and ``R`` rotates by arbitrary angles; ``N(0, I)`` codes
    far outside the encoder's first outputs do exactly that, so ``rotation_vq`` starts
    from small uniform codes as the paper's setups do (issue 13, ``benchmarks/RESULTS.md``).
    """

    def forward(self, e: Tensor, q: Tensor) -> Tensor:
        q = q.detach()
        with torch.no_grad():
            e_norm = e.norm(dim=-1, keepdim=True).clamp_min(EPS)
            q_norm = q.norm(dim=-1, keepdim=True)
            e_hat, q_hat = e / e_norm, q / q_norm.clamp_min(EPS)
            r = F.normalize(e_hat + q_hat, dim=-1, eps=EPS)
            scale = q_norm / e_norm
        rotated = (
            e
            - 2 * (e * r).sum(-1, keepdim=True) * r
            + 2 * (e * e_hat).sum(-1, keepdim=True) * q_hat
        )
        surrogate = scale * rotated
        return q + (surrogate - surrogate.detach())
