"""Residual VQ: successive quantizers encode what the previous ones left over."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.quantizers.base import QUANTIZERS, Quantizer, Spec
from vaekit.registry import ConfigError


@QUANTIZERS.register("residual_vq")
class ResidualVQ(Quantizer):
    """Residual VQ (Zeghidour et al. 2021, SoundStream; Lee et al. 2022, RQ-VAE).

    Stage ``s`` quantizes the residual ``r_s = r_{s−1} − ẑ_{s−1}`` (``r_1 = z_e``)
    and ``z_q = Σ_s ẑ_s``. Residuals are not detached: with straight-through
    stages the gradient telescopes to ``∂z_q/∂z_e = I`` (as in EnCodec), and the
    commitment losses of stages ``s > 1`` train only their own codebooks.

    ``quantizer`` is the spec of every stage, any single-index quantizer of
    :data:`QUANTIZERS` built with ``dim`` and ``codebook_size`` (e.g. ``"vq"``,
    ``{"name": "vq", "init": "kmeans"}``, ``"vq_ema"``). ``losses`` are summed
    over stages; ``indices`` are ``(..., stages)``; ``codebook_size`` is the
    per-stage size.
    """

    def __init__(
        self, *, dim: int, codebook_size: int = 512, stages: int = 4, quantizer: Spec = "vq"
    ) -> None:
        super().__init__()
        if stages < 1:
            raise ConfigError(f"residual_vq needs stages >= 1, got {stages}")
        self.stages = nn.ModuleList(
            QUANTIZERS.build(quantizer, dim=dim, codebook_size=codebook_size) for _ in range(stages)
        )
        if any(getattr(q, "index_shape", None) != () for q in self.stages):
            raise ConfigError(
                f"residual_vq stages must be single-index quantizers, got {quantizer!r}"
            )
        self.dim, self.codebook_size = dim, self.stages[0].codebook_size
        self.index_shape = (stages,)

    def quantize(self, z_e: Tensor) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        residual, z_q = z_e, z_e.new_zeros(z_e.shape)
        indices: list[Tensor] = []
        losses: dict[str, Tensor] = {}
        for stage in self.stages:
            out = stage(residual)
            residual = residual - out.z_q
            z_q = z_q + out.z_q
            indices.append(out.indices)
            for name, value in out.losses.items():
                losses[name] = losses.get(name, 0) + value
        return z_q, torch.stack(indices, dim=-1), losses

    def lookup(self, indices: Tensor) -> Tensor:
        return sum(stage.indices_to_codes(indices[:, s]) for s, stage in enumerate(self.stages))
