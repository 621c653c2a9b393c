"""The discrete composition: encoder → grid of vectors → quantizer → decoder → likelihood.

Every quantized model (VQ-VAE and its variants, FSQ, LFQ, residual and grouped VQ)
is a :class:`QuantizedModel`; they differ only in the quantizer spec of their config
(see ``models/vqvae.py``). Sampling needs a prior over the code indices, trained
afterwards by ``vaekit train-prior RUN_DIR`` and attached as :attr:`QuantizedModel.prior`.

A ``QuantizedModel`` has the capabilities :class:`~vaekit.protocols.HasCodebook`,
:class:`~vaekit.protocols.HasLikelihood` and :class:`~vaekit.protocols.Generative`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import torch
from torch import Tensor, nn

from vaekit.models.base import ObjectiveConfig, Spec, build_likelihood, build_part
from vaekit.models.steps import ObjectiveSteps
from vaekit.nn import DECODERS, ENCODERS
from vaekit.nn.registry import GridEncoder
from vaekit.objectives import Objective
from vaekit.quantizers import QUANTIZERS, CodeUsage
from vaekit.registry import ConfigError, VaekitError, split_spec
from vaekit.types import Batch, QuantOut, StepContext, StepOut


class QuantPass:
    """One objective evaluation's shared quantities: ``quant`` (the quantizer's
    :class:`~vaekit.types.QuantOut`), ``z`` = z_q and ``log_px`` = log p(x | z_q)."""

    def __init__(self, model: QuantizedModel, batch: Batch) -> None:
        self.model, self.batch = model, batch

    @cached_property
    def quant(self) -> QuantOut:
        return self.model.encode(self.batch.x)

    @cached_property
    def z(self) -> Tensor:
        return self.quant.z_q

    @cached_property
    def log_px(self) -> Tensor:
        return self.model.log_px_given_z(self.batch.x, self.z)


class QuantizedModel(ObjectiveSteps, nn.Module):
    """x → encoder → ``z_e (B, *grid, D)`` → quantizer → ``z_q`` → decoder → p(x | z_q).

    ``code_shape`` is the shape of one example's indices, ``(*grid, *index_shape)``
    (e.g. ``(7, 7)`` for VQ on 28×28 images, ``(7, 7, 4)`` for 4-stage residual VQ).
    ``prior`` is a model of the indices (``log_prob``, ``sample`` over flattened
    ``(B, code_length)`` sequences in raster order), or ``None`` until one is trained.
    """

    def __init__(
        self,
        encoder: nn.Module,
        quantizer: nn.Module,
        decoder: nn.Module,
        likelihood: nn.Module,
        objective: Objective,
        input_shape: Sequence[int],
    ) -> None:
        super().__init__()
        self.encoder, self.quantizer, self.decoder = encoder, quantizer, decoder
        self.likelihood, self.objective = likelihood, objective
        self.prior: nn.Module | None = None
        self.input_shape = tuple(input_shape)
        likelihood.event_ndim = len(self.input_shape)
        self.latent_dim = quantizer.dim
        self.code_shape = (*encoder.grid, *quantizer.index_shape)
        self.code_length = math.prod(self.code_shape)
        self.num_classes = 0

    @property
    def codebook_size(self) -> int:
        """Codes per index: every entry of the indices is in ``[0, codebook_size)``."""
        return self.quantizer.codebook_size

    # -- public API -----------------------------------------------------------------------
    def encode(self, x: Tensor, y: Tensor | None = None) -> QuantOut:
        """Quantized codes of ``x``: ``z_q (B, *grid, D)``, ``indices (B, *code_shape)``."""
        return self.quantizer(self.encoder(x))

    def encode_indices(self, x: Tensor) -> Tensor:
        """Code indices of ``x``: ``(B, *code_shape)``."""
        return self.encode(x).indices

    def decoder_params(self, z_q: Tensor, y: Tensor | None = None) -> Tensor:
        """Likelihood parameters for ``z_q (B, *grid, D)`` → ``(B, P, *shape)``."""
        return self.decoder(z_q)

    def decode(self, z_q: Tensor, y: Tensor | None = None) -> Tensor:
        """E[x | z_q] for ``z_q (B, *grid, D)`` → ``(B, *shape)``."""
        return self.likelihood.mean(self.decoder_params(z_q))

    def decode_indices(self, indices: Tensor) -> Tensor:
        """E[x | codes] for ``indices (B, *code_shape)`` → ``(B, *shape)``."""
        return self.decode(self.quantizer.indices_to_codes(indices))

    def log_px_given_z(self, x: Tensor, z_q: Tensor, y: Tensor | None = None) -> Tensor:
        """log p(x | z_q) per example ``(B,)``."""
        return self.likelihood.log_prob(self.decoder_params(z_q), x)

    @torch.no_grad()
    def reconstruct(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """Decode the quantized code of ``x``: ``(B, *shape)`` → ``(B, *shape)``."""
        return self.decode(self.encode(x).z_q)

    @torch.no_grad()
    def sample(self, n: int, y: Tensor | None = None) -> Tensor:
        """``n`` code grids drawn from the prior over codes, decoded: ``(n, *shape)``."""
        if self.prior is None:
            raise VaekitError(
                "this quantized model has no prior over its codes yet: train one with "
                "`vaekit train-prior RUN_DIR`, then sample"
            )
        indices = self.prior.sample(n).view(n, *self.code_shape)
        return self.decode_indices(indices)

    def can_sample(self) -> bool:
        """Whether a prior over codes is attached."""
        return self.prior is not None

    def dead_codes(self) -> Tensor:
        """Codes idle for ``dead_after`` training steps, summed over the quantizer (no sync)."""
        counters = [m.dead.sum() for m in self.quantizer.modules() if isinstance(m, CodeUsage)]
        if not counters:
            return next(self.parameters()).new_zeros(())
        return torch.stack(counters).sum().float()

    def forward_pass(self, batch: Batch) -> QuantPass:
        """The lazily computed quantities that objective terms read."""
        return QuantPass(self, batch)

    def step(self, batch: Batch, ctx: StepContext) -> StepOut:
        """One objective evaluation on a batch (the engine calls this)."""
        return self.objective.forward(QuantPass(self, batch), ctx)


@dataclass
class QuantizedConfig(ObjectiveConfig):
    """Fields shared by every quantized model; parts are registry specs.

    ``latent_dim`` is the size ``D`` of each latent vector, the quantizer's ``dim``.
    ``encoder``/``decoder`` must be grid networks (``conv_grid`` for square images,
    ``mlp_grid`` for flat data). ``quantizer`` is any :data:`vaekit.quantizers.QUANTIZERS`
    spec, e.g. ``{"name": "vq", "codebook_size": 4096, "update": "ema"}``.
    """

    name: str = "vqvae"
    latent_dim: int = 16
    encoder: Spec = "conv_grid"
    decoder: Spec = "conv_grid"
    quantizer: Spec = "vq"
    likelihood: Spec = "bernoulli"
    objective: list[Spec] | None = None

    def default_objective(self) -> list[Spec]:
        """Reconstruction plus the quantizer's own losses."""
        return ["recon", "quantizer"]

    def build(self, input_shape: Sequence[int], num_classes: int | None = None) -> QuantizedModel:
        """Assemble the model for data of per-example ``input_shape`` (labels are unused)."""
        if self.latent_dim < 1:
            raise ConfigError(f"model.latent_dim must be >= 1, got {self.latent_dim}")
        decoder_name = split_spec(self.decoder, "decoder")[0]
        if "grid" not in inspect.signature(DECODERS.get(decoder_name)).parameters:
            raise _not_grid("decoder", decoder_name)
        likelihood = build_likelihood(self.likelihood, input_shape)
        encoder = build_part(
            ENCODERS,
            self.encoder,
            "encoder",
            in_shape=tuple(input_shape),
            latent_dim=self.latent_dim,
        )
        if not isinstance(encoder, GridEncoder):
            raise _not_grid("encoder", split_spec(self.encoder, "encoder")[0])
        quantizer = build_part(QUANTIZERS, self.quantizer, "quantizer", dim=self.latent_dim)
        decoder = build_part(
            DECODERS,
            self.decoder,
            "decoder",
            latent_dim=self.latent_dim,
            grid=encoder.grid,
            out_shape=tuple(input_shape),
            num_params=likelihood.num_params,
        )
        objective = self.build_objective(latent_dim=self.latent_dim)
        model = QuantizedModel(encoder, quantizer, decoder, likelihood, objective, input_shape)
        objective.check(model)
        return model


def _not_grid(key: str, name: str) -> ConfigError:
    return ConfigError(
        f"model.{key} must be a grid network (conv_grid or mlp_grid) for a "
        f"quantized model, got {name!r}"
    )
