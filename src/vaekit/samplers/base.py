"""Post-hoc latent samplers: densities over a trained model's codes z, fitted to the codes
of its training data, so that models whose prior does not match their codes (a plain or
Wasserstein autoencoder, a VAE with holes in its aggregate posterior) can generate.

A sampler standardises the codes (per-dimension mean and standard deviation of the
training codes, buffers saved with it) and models u = (z − shift) / scale; ``log_prob``
and ``sample`` work on z. A sampler with a closed-form fit (the Gaussian mixture) does
all its work in :meth:`LatentSampler.fit`; one trained by gradient descent (a flow, a
second-stage VAE) is also :class:`~vaekit.types.Trainable` and the engine trains it
after ``fit`` set the standardisation (:mod:`vaekit.api.sampling`).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.registry import Registry, VaekitError
from vaekit.types import Batch, StepContext, StepOut

SAMPLERS: Registry[nn.Module] = Registry("latent sampler")


class LatentSampler(nn.Module):
    """A density over codes ``(D,)``; subclasses define it on standardised codes u."""

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.register_buffer("shift", torch.zeros(latent_dim))
        self.register_buffer("scale", torch.ones(latent_dim))

    def fit(self, codes: Tensor) -> None:
        """Set the standardisation from training codes ``(N, D)``; closed-form samplers fit
        here too."""
        if codes.dim() != 2 or codes.shape[1] != len(self.shift) or len(codes) < 2:
            raise VaekitError(
                f"a latent sampler for {len(self.shift)}-dimensional codes needs codes of "
                f"shape (N >= 2, {len(self.shift)}), got {tuple(codes.shape)}"
            )
        self.shift.copy_(codes.mean(0))
        self.scale.copy_(codes.std(0).clamp_min(1e-6))

    def standardise(self, z: Tensor) -> Tensor:
        """u = (z − shift) / scale."""
        return (z - self.shift) / self.scale

    def log_prob(self, z: Tensor) -> Tensor:
        """log p(z) ``(...)`` for codes ``(..., D)``: the density of u, less Σ log scale."""
        return self.standard_log_prob(self.standardise(z)) - self.scale.log().sum()

    @torch.no_grad()
    def sample(self, n: int) -> Tensor:
        """``n`` codes ``(n, D)``."""
        return self.shift + self.scale * self.standard_sample(n)

    def standard_log_prob(self, u: Tensor) -> Tensor:
        """log p(u) for standardised codes."""
        raise NotImplementedError

    def standard_sample(self, n: int) -> Tensor:
        """``n`` standardised codes."""
        raise NotImplementedError


class MaximumLikelihood:
    """The engine contract of a sampler trained on the negative log-likelihood of codes:
    one ``main`` optimizer, one step; ``nll`` (nats per code) is logged."""

    def step(self, batch: Batch, ctx: StepContext) -> StepOut:
        """−log p(z) of the codes ``batch.x`` ``(B, D)``."""
        nll = -self.log_prob(batch.x)  # type: ignore[attr-defined]
        return StepOut(nll.mean(), {"nll": nll})
