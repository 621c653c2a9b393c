"""Gaussian and categorical latents in one vector: the latent of JointVAE (Dupont 2018,
"Learning Disentangled Joint Continuous and Discrete Representations").

z = [z_c, c_1, ..., c_m]: z_c ~ N(loc, diag scale²) over the first ``D_c`` coordinates,
then one one-hot block c_j ∈ {0, 1}^{K_j} per categorical, c_j ~ Cat(softmax(logits_j)),
all independent given x.

* ``sample()`` draws exact one-hot blocks; ``rsample()`` draws them relaxed by the
  Gumbel-softmax at ``temperature`` (Jang et al. 2017; Maddison et al. 2017,
  :func:`gumbel_softmax`) — exact one-hot blocks (no gradient) when it is 0.
* ``log_prob(z)`` is log N(z_c; loc, scale²) + Σ_j Σ_k c_jk log π_jk: a density in z_c
  times a probability mass in the blocks, exact at one-hot blocks (at relaxed ones it is
  that linear extension, not the Concrete density).
* ``mean`` is [loc, π_1, ..., π_m] (E[c_j] = π_j).
* KL(q ‖ p) of two such distributions with the same blocks is analytic and registered:
  the Gaussian KL plus Σ_j KL(Cat(π_j) ‖ Cat(π'_j)); :func:`kl_parts` gives the two kinds
  apart (JointVAE controls each with its own capacity).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Distribution, constraints, register_kl

from vaekit.registry import VaekitError

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def gumbel_softmax(logits: Tensor, temperature: float, gumbels: Tensor | None = None) -> Tensor:
    """softmax((logits + g) / τ) over the last dimension, g ~ Gumbel(0, 1) (or ``gumbels``).

    As τ → 0 it tends to the one-hot of argmax(logits + g), an exact draw of
    Cat(softmax(logits)) (the Gumbel-max trick); τ = 0 returns that one-hot.
    """
    if gumbels is None:
        gumbels = -torch.empty_like(logits).exponential_().log()
    noisy = logits + gumbels
    if temperature == 0:
        return F.one_hot(noisy.argmax(-1), logits.shape[-1]).to(logits.dtype)
    return torch.softmax(noisy / temperature, dim=-1)


def check_discrete(latent_dim: int, discrete: Sequence[int]) -> tuple[int, ...]:
    """The categorical sizes, each ≥ 2, fitting in ``latent_dim``; a ValueError otherwise."""
    sizes = tuple(int(k) for k in discrete)
    if not sizes or any(k < 2 for k in sizes):
        raise ValueError(f"discrete needs one or more category counts >= 2, got {list(discrete)}")
    if sum(sizes) > latent_dim:
        raise ValueError(
            f"latent_dim {latent_dim} is the continuous dimensions plus the categories; "
            f"it cannot hold discrete {list(sizes)} (sum {sum(sizes)})"
        )
    return sizes


class JointNormalCategorical(Distribution):
    """N(loc, diag scale²) × Π_j Cat(softmax(logits_j)) over ``[z_c, one-hot blocks]``.

    ``loc``, ``scale``: ``(*batch, D_c)`` (``D_c`` may be 0); ``logits``: ``(*batch, ΣK_j)``,
    block j of size ``sizes[j]``; event shape ``(D_c + ΣK_j,)``. ``temperature`` (≥ 0) is
    the relaxation of :meth:`rsample` and may be changed (an annealing schedule does).
    """

    arg_constraints: dict[str, constraints.Constraint] = {}  # noqa: RUF012 - torch's attribute
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self, loc: Tensor, scale: Tensor, logits: Tensor, sizes: Sequence[int], temperature: float
    ) -> None:
        if loc.shape != scale.shape or loc.shape[:-1] != logits.shape[:-1]:
            raise ValueError(
                f"loc {tuple(loc.shape)}, scale {tuple(scale.shape)} and logits "
                f"{tuple(logits.shape)} must share their batch shape"
            )
        if sum(sizes) != logits.shape[-1] or any(k < 2 for k in sizes):
            raise ValueError(
                f"categorical sizes {list(sizes)} do not fit {logits.shape[-1]} logits"
            )
        self.loc, self.scale, self.logits = loc, scale, logits
        self.sizes, self.temperature = tuple(int(k) for k in sizes), float(temperature)
        event = (loc.shape[-1] + logits.shape[-1],)
        super().__init__(loc.shape[:-1], torch.Size(event), validate_args=False)

    @property
    def continuous(self) -> int:
        """D_c, the number of Gaussian coordinates (they come first)."""
        return self.loc.shape[-1]

    def blocks(self, x: Tensor) -> tuple[Tensor, ...]:
        """The one-hot blocks of ``x (..., D)`` (or of logits ``(..., ΣK_j)``), in order."""
        return x[..., x.shape[-1] - sum(self.sizes) :].split(self.sizes, dim=-1)

    def log_probs(self) -> tuple[Tensor, ...]:
        """log π_j per block ``(*batch, K_j)``."""
        return tuple(block.log_softmax(-1) for block in self.blocks(self.logits))

    @property
    def mean(self) -> Tensor:
        return torch.cat([self.loc, *(lp.exp() for lp in self.log_probs())], dim=-1)

    @property
    def variance(self) -> Tensor:
        probs = [lp.exp() for lp in self.log_probs()]
        return torch.cat([self.scale.pow(2), *(p * (1 - p) for p in probs)], dim=-1)

    def expand(
        self, batch_shape: torch.Size, _instance: Distribution | None = None
    ) -> JointNormalCategorical:
        shape = torch.Size(batch_shape)
        return JointNormalCategorical(
            self.loc.expand(shape + self.loc.shape[-1:]),
            self.scale.expand(shape + self.scale.shape[-1:]),
            self.logits.expand(shape + self.logits.shape[-1:]),
            self.sizes,
            self.temperature,
        )

    def _draw(self, sample_shape: torch.Size | tuple[int, ...], temperature: float) -> Tensor:
        shape = torch.Size(sample_shape) + self.batch_shape
        eps = torch.randn(shape + self.loc.shape[-1:], dtype=self.loc.dtype, device=self.loc.device)
        parts = [self.loc + eps * self.scale]
        for block in self.blocks(self.logits):
            parts.append(gumbel_softmax(block.expand(shape + block.shape[-1:]), temperature))
        return torch.cat(parts, dim=-1)

    def rsample(self, sample_shape: torch.Size | tuple[int, ...] = ()) -> Tensor:
        """Reparameterised draws ``sample_shape + batch + event``: Gaussian, then the blocks
        relaxed at :attr:`temperature` (exact one-hot at 0)."""
        return self._draw(sample_shape, self.temperature)

    def sample(self, sample_shape: torch.Size | tuple[int, ...] = ()) -> Tensor:
        """Exact draws: one-hot blocks."""
        with torch.no_grad():
            return self._draw(sample_shape, 0.0)

    def log_prob(self, value: Tensor) -> Tensor:
        """log N(z_c; loc, scale²) + Σ_j ⟨c_j, log π_j⟩ for ``value (..., D)`` → ``(...)``."""
        z = value[..., : self.continuous]
        gauss = -(((z - self.loc) / self.scale).pow(2) * 0.5 + self.scale.log() + _HALF_LOG_2PI)
        total = gauss.sum(-1)
        for c, log_pi in zip(self.blocks(value), self.log_probs(), strict=True):
            total = total + (c * log_pi).sum(-1)
        return total


def kl_parts(q: JointNormalCategorical, p: JointNormalCategorical) -> tuple[Tensor, Tensor]:
    """``(KL of the Gaussian parts, Σ_j KL(Cat(π_j) ‖ Cat(π'_j)))``, each ``(*batch,)``."""
    if q.sizes != p.sizes or q.continuous != p.continuous:
        raise VaekitError(
            f"the posterior's latent ({q.continuous} continuous, categoricals {list(q.sizes)}) "
            f"differs from the prior's ({p.continuous}, {list(p.sizes)}): give "
            "model.posterior and model.prior the same discrete sizes and latent_dim"
        )
    ratio = q.scale / p.scale
    gauss = 0.5 * (ratio.pow(2) + ((q.loc - p.loc) / p.scale).pow(2) - 1) - ratio.log()
    gauss = gauss.sum(-1)
    cat = torch.zeros_like(gauss)
    for lq, lp in zip(q.log_probs(), p.log_probs(), strict=True):
        cat = cat + (lq.exp() * (lq - lp)).sum(-1)
    return gauss, cat


@register_kl(JointNormalCategorical, JointNormalCategorical)
def _kl_joint(q: JointNormalCategorical, p: JointNormalCategorical) -> Tensor:
    """KL(q ‖ p) = Gaussian KL + the categoricals' KL (see :func:`kl_parts`)."""
    gauss, cat = kl_parts(q, p)
    return gauss + cat
