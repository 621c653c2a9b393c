"""Model capabilities as Protocols: evaluation, pictures, diagnose and the CLI choose what
to run with ``isinstance(model, HasPosterior)``, never by a model's class or attributes.

A model has a capability by having its members (structural typing); a model may have
several. ``prior`` members may be ``None`` (a plain autoencoder has a posterior but no
prior; a quantized model has no code prior until ``vaekit train-prior`` fits one).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from torch import Tensor, nn
from torch.distributions import Distribution


@runtime_checkable
class HasLikelihood(Protocol):
    """A decoder with an explicit likelihood p(x | z) over examples of ``input_shape``."""

    likelihood: nn.Module
    input_shape: tuple[int, ...]

    def decoder_params(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """Likelihood parameters for latents ``z``."""
        ...

    def log_px_given_z(self, x: Tensor, z: Tensor, y: Tensor | None = None) -> Tensor:
        """log p(x | z) per example."""
        ...


@runtime_checkable
class HasPosterior(Protocol):
    """An encoder giving a distribution q(z | x) over ``latent_dim`` continuous latents,
    a decoder, and an optional prior p(z) (``prior`` is ``None`` for a plain autoencoder).
    """

    posterior: nn.Module
    prior: nn.Module | None
    latent_dim: int
    num_classes: int

    def encode(self, x: Tensor, y: Tensor | None = None) -> Distribution:
        """q(z | x) with batch shape ``(B,)`` and event shape ``(latent_dim,)``."""
        ...

    def decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """E[x | z]."""
        ...

    def prior_dist(self, y: Tensor | None = None) -> Distribution:
        """p(z) (or p(z | y)); an error without a prior."""
        ...

    def draw_prior(self, n: int, y: Tensor | None = None) -> Tensor:
        """``n`` latents drawn from the prior: ``(n, latent_dim)``."""
        ...


@runtime_checkable
class HasCodebook(Protocol):
    """A quantized bottleneck: codes of ``code_shape`` indices in ``[0, codebook_size)``,
    with an optional ``prior`` over code sequences (``log_prob``, ``sample``)."""

    quantizer: nn.Module
    code_shape: tuple[int, ...]
    code_length: int
    codebook_size: int
    prior: Any

    def encode_indices(self, x: Tensor) -> Tensor:
        """Code indices of ``x``: ``(B, *code_shape)``."""
        ...

    def decode_indices(self, indices: Tensor) -> Tensor:
        """E[x | codes] for ``indices (B, *code_shape)``."""
        ...


@runtime_checkable
class Generative(Protocol):
    """Reconstructs inputs and, when it has a prior, samples new ones."""

    input_shape: tuple[int, ...]
    num_classes: int

    def reconstruct(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """Decoded codes of ``x``: ``(B, *input_shape)``."""
        ...

    def sample(self, n: int, y: Tensor | None = None) -> Tensor:
        """``n`` decoded prior samples; an error without a prior."""
        ...

    def can_sample(self) -> bool:
        """Whether :meth:`sample` has a prior to draw from."""
        ...
