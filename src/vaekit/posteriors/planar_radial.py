"""Planar and radial flows (Rezende & Mohamed 2015, "Variational Inference with Normalizing
Flows", ICML, section 4.1) written as zuko transforms, so they compose with zuko's flows.

Each step is a ``torch.distributions.Transform`` with ``call_and_ladj`` (the value and
log |det ∂f/∂z| in one pass, what zuko's ``rsample_and_log_prob`` calls) and an inverse
(for ``log_prob`` at arbitrary points). Their parameters are amortised: a
:class:`~zuko.lazy.LazyTransform` maps the encoder's features ``h`` ``(B, F)`` to one
set per example, as in the paper, broadcasting over sample dimensions ``(K, B, D)``.

>>> step = Planar(features=5, latent_dim=2)(torch.randn(4, 5))
>>> z, ladj = step.call_and_ladj(torch.randn(3, 4, 2))   # (3, 4, 2), (3, 4)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.distributions import Transform, constraints
from zuko.lazy import LazyTransform

BISECTION_STEPS = 8
SHIFT = math.log(math.e - 1)  # softplus(SHIFT) = 1
NEWTON_STEPS = 4


def solve_increasing(
    g: Callable[[Tensor], Tensor],
    dg: Callable[[Tensor], Tensor],
    target: Tensor,
    lo: Tensor,
    hi: Tensor,
) -> Tensor:
    """s in [lo, hi] with g(s) = target for a smooth increasing g, elementwise.

    Without gradients: bisection narrows the bracket 256-fold, then Newton steps kept
    inside it converge quadratically. A last Newton step with gradients leaves the value
    at the root and gives the implicit-function gradient −(∂g − ∂target)/g'.
    """
    with torch.no_grad():
        for _ in range(BISECTION_STEPS):
            mid = (lo + hi) / 2
            below = g(mid) < target
            lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
        s = (lo + hi) / 2
        for _ in range(NEWTON_STEPS):
            s = torch.minimum(torch.maximum(s - (g(s) - target) / dg(s), lo), hi)
    return s - (g(s) - target) / dg(s)


class PlanarTransform(Transform):
    """f(z) = z + û tanh(wᵀz + b), with wᵀû > −1 so that f is a bijection.

    û = u + (m(wᵀu) − wᵀu) w / ‖w‖² with m(a) = −1 + softplus(a + log(e − 1)): the paper's
    appendix A.1 shifted so that m(0) = 0, i.e. a step starts volume-preserving rather
    than contracting along w (ten unshifted steps at wᵀu ≈ 0 squeeze q 40-fold).
    By the matrix determinant lemma log |det ∂f/∂z| = log(1 + wᵀû tanh'(wᵀz + b)). The
    inverse solves wᵀy = s + wᵀû tanh(s + b) for s = wᵀz (increasing in s, bracketed by
    wᵀy ± |wᵀû|), then z = y − û tanh(s + b). ``u``, ``w``: ``(..., D)``; ``b``: ``(...)``.
    """

    domain = constraints.real_vector
    codomain = constraints.real_vector
    bijective = True

    def __init__(self, u: Tensor, w: Tensor, b: Tensor) -> None:
        super().__init__()
        wu = (w * u).sum(-1, keepdim=True)
        m = F.softplus(wu + SHIFT) - 1  # wᵀû = m > −1
        self.u = u + (m - wu) * w / w.pow(2).sum(-1, keepdim=True).clamp_min(1e-12)
        self.w, self.b, self.wu = w, b, m.squeeze(-1)

    def _call(self, z: Tensor) -> Tensor:
        return z + self.u * torch.tanh((self.w * z).sum(-1) + self.b).unsqueeze(-1)

    def call_and_ladj(self, z: Tensor) -> tuple[Tensor, Tensor]:
        t = torch.tanh((self.w * z).sum(-1) + self.b)
        return z + self.u * t.unsqueeze(-1), torch.log1p(self.wu * (1 - t.square()))

    def log_abs_det_jacobian(self, z: Tensor, y: Tensor) -> Tensor:
        return self.call_and_ladj(z)[1]

    def _inverse(self, y: Tensor) -> Tensor:
        target = (self.w * y).sum(-1)
        wu, b = self.wu.expand_as(target), self.b.expand_as(target)
        s = solve_increasing(
            lambda s: s + wu * torch.tanh(s + b),
            lambda s: 1 + wu * (1 - torch.tanh(s + b).square()),
            target,
            target - wu.abs(),
            target + wu.abs(),
        )
        return y - self.u * torch.tanh(s + b).unsqueeze(-1)


class RadialTransform(Transform):
    """f(z) = z + β (z − z₀) / (α + r), r = ‖z − z₀‖, with α > 0 and β > −α (a bijection).

    log |det ∂f/∂z| = (D − 1) log(1 + β/(α + r)) + log(1 + αβ/(α + r)²). The inverse is
    closed form: ‖y − z₀‖ = r (1 + β/(α + r)) is a quadratic in r with one positive root.
    ``z0``: ``(..., D)``; ``alpha``, ``beta``: ``(...)`` (constrained already).
    """

    domain = constraints.real_vector
    codomain = constraints.real_vector
    bijective = True

    def __init__(self, z0: Tensor, alpha: Tensor, beta: Tensor) -> None:
        super().__init__()
        self.z0, self.alpha, self.beta = z0, alpha, beta

    def call_and_ladj(self, z: Tensor) -> tuple[Tensor, Tensor]:
        diff = z - self.z0
        r = diff.norm(dim=-1)
        bh = self.beta / (self.alpha + r)
        y = z + bh.unsqueeze(-1) * diff
        radial = torch.log1p(self.alpha * self.beta / (self.alpha + r).square())
        return y, (z.shape[-1] - 1) * torch.log1p(bh) + radial

    def _call(self, z: Tensor) -> Tensor:
        return self.call_and_ladj(z)[0]

    def log_abs_det_jacobian(self, z: Tensor, y: Tensor) -> Tensor:
        return self.call_and_ladj(z)[1]

    def _inverse(self, y: Tensor) -> Tensor:
        diff = y - self.z0
        r_y = diff.norm(dim=-1)
        # r² + (α + β − r_y) r − α r_y = 0; the stable form of its positive root
        b, c = self.alpha + self.beta - r_y, self.alpha * r_y
        root = torch.sqrt(b.square() + 4 * c)
        r = torch.where(b > 0, 2 * c / (b + root).clamp_min(1e-30), (root - b) / 2)
        return self.z0 + diff / (1 + self.beta / (self.alpha + r)).unsqueeze(-1)


def _small_head(features: int, outputs: int) -> nn.Linear:
    """A linear map with a tenth of PyTorch's initial weights: a step starts near the
    identity (u, w, b ≈ 0 for planar; β ≈ 0 for radial), so q starts near its base."""
    head = nn.Linear(features, outputs)
    with torch.no_grad():
        head.weight.mul_(0.1)
        head.bias.mul_(0.1)
    return head


class Planar(LazyTransform):
    """One planar step whose ``u``, ``w``, ``b`` are a linear map of the features ``h``."""

    def __init__(self, features: int, latent_dim: int) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.head = _small_head(features, 2 * latent_dim + 1)

    def forward(self, h: Tensor | None = None) -> Transform:
        """The step for features ``h`` ``(B, F)``: parameters of batch shape ``(B,)``."""
        u, w, b = self.head(h).split([self.latent_dim, self.latent_dim, 1], dim=-1)
        return PlanarTransform(u, w, b.squeeze(-1))


class Radial(LazyTransform):
    """One radial step whose z₀, α = softplus(·), β = −α + softplus(·) are a linear map of ``h``."""

    def __init__(self, features: int, latent_dim: int) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.head = _small_head(features, latent_dim + 2)

    def forward(self, h: Tensor | None = None) -> Transform:
        """The step for features ``h`` ``(B, F)``: parameters of batch shape ``(B,)``."""
        z0, raw_alpha, raw_beta = self.head(h).split([self.latent_dim, 1, 1], dim=-1)
        alpha = F.softplus(raw_alpha.squeeze(-1))
        return RadialTransform(z0, alpha, F.softplus(raw_beta.squeeze(-1)) - alpha)
