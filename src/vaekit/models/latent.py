"""The one continuous model class: a named composition of encoder, posterior, prior,
decoder, likelihood and objective. Every continuous model in vaekit is a ``LatentModel``;
they differ only in their parts (see ``models/*.py`` for the compositions).

A ``LatentModel`` has the capabilities :class:`~vaekit.protocols.HasPosterior`,
:class:`~vaekit.protocols.HasLikelihood` and :class:`~vaekit.protocols.Generative`, and
the engine's contract through :class:`~vaekit.models.steps.ObjectiveSteps`: a ``main``
optimizer and step, plus whatever its objective's terms declare (a discriminator).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.distributions import Distribution

from vaekit.distributions import kl_term, mean_of, rsample_and_log_prob, rsample_with_log_prob
from vaekit.models.steps import ObjectiveSteps
from vaekit.objectives import Objective
from vaekit.registry import VaekitError
from vaekit.types import Batch, PriorContext, StepContext, StepOut


class LatentPass:
    """One objective evaluation's shared quantities (see :class:`vaekit.objectives.Pass`),
    each computed on first use: ``q``, one reparameterised draw ``z``, ``prior``,
    ``log_px`` = log p(x|z) and ``kl`` = KL(q ‖ p) (analytic when registered; else
    log q(z) − log p(z), with log q(z) from the draw itself for a flow)."""

    def __init__(self, model: LatentModel, batch: Batch) -> None:
        self.model, self.batch = model, batch

    @cached_property
    def q(self) -> Distribution:
        return self.model.encode(self.batch.x, self.batch.y)

    @cached_property
    def draw(self) -> tuple[Tensor, Tensor | None]:
        return rsample_with_log_prob(self.q)

    @cached_property
    def z(self) -> Tensor:
        return self.draw[0]

    @cached_property
    def prior(self) -> Distribution:
        return self.model.prior_dist(self.batch.y)

    @cached_property
    def log_px(self) -> Tensor:
        return self.model.log_px_given_z(self.batch.x, self.z, self.batch.y)

    @cached_property
    def kl(self) -> Tensor:
        return kl_term(self.q, self.prior, self.z, self.draw[1])


class LatentModel(ObjectiveSteps, nn.Module):
    """x → encoder → posterior q(z|x) → z → decoder → likelihood p(x|z), with prior p(z).

    With ``num_classes > 0`` the model is conditional: a one-hot label is appended
    to the encoder features and to the decoder input (conditional VAE).
    """

    def __init__(
        self,
        encoder: nn.Module,
        posterior: nn.Module,
        prior: nn.Module | None,
        decoder: nn.Module,
        likelihood: nn.Module,
        objective: Objective,
        input_shape: Sequence[int],
        latent_dim: int,
        num_classes: int = 0,
    ) -> None:
        super().__init__()
        self.encoder, self.posterior, self.prior = encoder, posterior, prior
        self.decoder, self.likelihood, self.objective = decoder, likelihood, objective
        self.input_shape = tuple(input_shape)
        likelihood.event_ndim = len(self.input_shape)  # params (*lead, P, *shape) meet data
        self.latent_dim = latent_dim
        self.num_classes = num_classes

    # -- conditioning -------------------------------------------------------------------
    def _with_label(self, h: Tensor, y: Tensor | None) -> Tensor:
        if not self.num_classes:
            return h
        if y is None:
            raise VaekitError("this model is conditional: pass class labels y")
        try:
            one_hot = F.one_hot(y.long(), self.num_classes)
        except RuntimeError:  # torch's range check (on CUDA a device assert fires instead)
            raise VaekitError(
                f"class labels must be in 0..{self.num_classes - 1} (the model has "
                f"{self.num_classes} classes), got labels from {int(y.min())} to {int(y.max())}"
            ) from None
        return torch.cat([h, one_hot.to(h.dtype)], dim=-1)

    # -- public API -----------------------------------------------------------------------
    def encode(self, x: Tensor, y: Tensor | None = None) -> Distribution:
        """q(z | x): a Distribution with batch shape ``(B,)`` and event shape ``(D,)``."""
        return self.posterior(self._with_label(self.encoder(x), y))

    def decoder_params(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """Likelihood parameters for latents ``z`` of shape ``(..., D)`` → ``(..., P, *shape)``."""
        lead = z.shape[:-1]
        z = z.reshape(-1, z.shape[-1])
        if y is not None and len(lead) > 1:  # (K, B, D) latents share the B labels
            y = y.expand(*lead).reshape(-1)
        out = self.decoder(self._with_label(z, y))
        return out.view(*lead, *out.shape[1:])

    def decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """E[x | z] for latents ``(B, D)`` → ``(B, *shape)``."""
        return self.likelihood.mean(self.decoder_params(z, y))

    def prior_dist(self, y: Tensor | None = None) -> Distribution:
        """p(z) (p(z | y) for a conditional prior); a clear error without a prior (the
        plain autoencoder). The prior sees the model (:class:`~vaekit.types.PriorContext`)."""
        if self.prior is None:
            raise VaekitError("this model has no prior (a deterministic autoencoder)")
        return self.prior(PriorContext(self, y))

    def can_sample(self) -> bool:
        """Whether the model has a prior to sample from."""
        return self.prior is not None

    def log_px_given_z(self, x: Tensor, z: Tensor, y: Tensor | None = None) -> Tensor:
        """log p(x | z) for ``z`` of shape ``(B, D)`` → ``(B,)`` or ``(K, B, D)`` → ``(K, B)``.

        The data broadcasts against the K samples; it is never copied K times.
        """
        return self.likelihood.log_prob(self.decoder_params(z, y), x)

    def log_weights(
        self, x: Tensor, k: int, y: Tensor | None = None, q: Distribution | None = None
    ) -> Tensor:
        """Importance log-weights log p(x|z) + log p(z) − log q(z|x), z ~ q: ``(K, B)``.

        Pass ``q`` to reuse an encoding (each input is then encoded once). A flow gives
        log q(z|x) with its draws, in one pass.
        """
        q = self.encode(x, y) if q is None else q
        z, log_q = rsample_and_log_prob(q, (k,))
        return self.log_px_given_z(x, z, y) + self.prior_dist(y).log_prob(z) - log_q

    def elbo(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """The evidence lower bound per example ``(B,)`` (β = 1, one sample, analytic KL)."""
        p = LatentPass(self, Batch(x, y))
        return p.log_px - p.kl

    @torch.no_grad()
    def log_likelihood(
        self, x: Tensor, k: int = 1000, y: Tensor | None = None, chunk: int | None = None
    ) -> Tensor:
        """Importance-sampled log p(x) with ``k`` samples per input ``(B,)`` (Burda et al.).

        Each input is encoded once; samples are decoded ``chunk`` at a time (default:
        all ``k`` in one call) and combined with a streaming logsumexp.
        """
        q = self.encode(x, y)
        chunk = k if chunk is None else max(1, min(chunk, k))
        acc = None
        for start in range(0, k, chunk):
            lse = torch.logsumexp(self.log_weights(x, min(chunk, k - start), y, q=q), dim=0)
            acc = lse if acc is None else torch.logaddexp(acc, lse)
        return acc - math.log(k)

    @torch.no_grad()
    def sample(self, n: int, y: Tensor | None = None) -> Tensor:
        """``n`` draws from the prior, decoded to their likelihood means ``(n, *shape)``.

        A conditional model without ``y`` cycles through the classes.
        """
        if self.num_classes and y is None:
            y = torch.arange(n, device=self.device) % self.num_classes
        return self.decode(self.draw_prior(n, y), y)

    def draw_prior(self, n: int, y: Tensor | None = None) -> Tensor:
        """``n`` latents drawn from p(z) (from p(z | y) for a conditional prior): ``(n, D)``."""
        prior = self.prior_dist(y)
        return prior.sample(() if prior.batch_shape == (n,) else (n,))

    @torch.no_grad()
    def reconstruct(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """Decode the posterior mean: ``(B, *shape)`` → ``(B, *shape)``."""
        return self.decode(mean_of(self.encode(x, y)), y)

    @property
    def device(self) -> torch.device:
        """Where the model's parameters live."""
        return next(self.parameters()).device

    def forward_pass(self, batch: Batch) -> LatentPass:
        """The lazily computed quantities that objective terms read."""
        return LatentPass(self, batch)

    def step(self, batch: Batch, ctx: StepContext) -> StepOut:
        """One objective evaluation on a batch (the engine calls this)."""
        return self.objective.forward(LatentPass(self, batch), ctx)
