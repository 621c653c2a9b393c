"""Grouped (multi-head, product) VQ: one codebook per slice of the feature dimension."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.quantizers.base import QUANTIZERS, Quantizer, Spec
from vaekit.registry import ConfigError


@QUANTIZERS.register("grouped_vq")
class GroupedVQ(Quantizer):
    """Grouped VQ (product quantisation, Jégou et al. 2011; multi-head VQ as in wav2vec 2.0).

    ``z_e (..., D)`` is split into ``groups`` slices of ``D / groups`` features,
    each quantized by its own quantizer built from the ``quantizer`` spec; ``z_q``
    is their concatenation, so the implicit codebook has ``codebook_size ** groups``
    codes. ``indices`` are ``(..., groups)``; ``losses`` are averaged over groups
    (each group's loss is a per-element mean, so the average is the mean over all
    of ``D``).
    """

    def __init__(
        self, *, dim: int, codebook_size: int = 512, groups: int = 2, quantizer: Spec = "vq"
    ) -> None:
        super().__init__()
        if groups < 1 or dim % groups:
            raise ConfigError(f"grouped_vq needs groups >= 1 dividing dim={dim}, got {groups}")
        self.heads = nn.ModuleList(
            QUANTIZERS.build(quantizer, dim=dim // groups, codebook_size=codebook_size)
            for _ in range(groups)
        )
        if any(getattr(q, "index_shape", None) != () for q in self.heads):
            raise ConfigError(
                f"grouped_vq heads must be single-index quantizers, got {quantizer!r}"
            )
        self.dim, self.codebook_size = dim, self.heads[0].codebook_size
        self.index_shape = (groups,)

    def quantize(self, z_e: Tensor) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        outs = [
            head(part)
            for head, part in zip(self.heads, z_e.chunk(len(self.heads), -1), strict=True)
        ]
        losses = {
            name: torch.stack([out.losses[name] for out in outs]).mean() for name in outs[0].losses
        }
        z_q = torch.cat([out.z_q for out in outs], dim=-1)
        return z_q, torch.stack([out.indices for out in outs], dim=-1), losses

    def lookup(self, indices: Tensor) -> Tensor:
        codes = [head.indices_to_codes(indices[:, g]) for g, head in enumerate(self.heads)]
        return torch.cat(codes, dim=-1)
