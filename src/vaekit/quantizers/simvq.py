"""SimVQ: a frozen random codebook reparameterised by one learned linear layer."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vaekit.quantizers.base import (
    QUANTIZERS,
    Quantizer,
    Spec,
    build_part,
    check_nonnegative,
    nearest,
)
from vaekit.quantizers.gradients import GRADIENTS, GradientEstimator
from vaekit.quantizers.usage import CodeUsage


@QUANTIZERS.register("simvq")
class SimVQ(Quantizer):
    """SimVQ: frozen random codebook times one learned linear layer (Zhu et al. 2024).

    "Addressing Representation Collapse in Vector Quantized Models with One Linear Layer".

    Codes are ``C W``: ``C (K, D)`` is a frozen random basis, ``C ~ N(0, 1/D)``
    (a buffer, never trained), and ``W (D, D)`` is one learned linear map. Every
    code moves whenever ``W`` does, so the whole codebook follows the encoder and
    codes do not die. Losses as in VQ: ``commit = β · mean ‖e − sg(z_q)‖²`` and
    ``codebook = mean ‖sg(e) − z_q‖²`` (which trains ``W``).

    This is the paper's ``q = C W`` (issue 13 checked it). The authors' code differs in
    two details kept out here: its linear layer has a bias, and its default (taming's
    "legacy") loss puts β on the codebook term instead of the commitment term.

    Shapes: ``z_e (..., dim)`` → ``z_q (..., dim)``, ``indices (...)``.
    """

    basis: Tensor

    def __init__(
        self,
        *,
        dim: int,
        codebook_size: int = 512,
        beta: float = 0.25,
        gradient: GradientEstimator | Spec = "ste",
        dead_after: int = 100,
    ) -> None:
        super().__init__()
        check_nonnegative(beta=beta)
        self.dim, self.codebook_size, self.beta = dim, codebook_size, beta
        self.register_buffer("basis", torch.randn(codebook_size, dim) * dim**-0.5)
        self.linear = nn.Linear(dim, dim, bias=False)
        self.gradient = build_part(gradient, GRADIENTS, GradientEstimator)
        self.usage = CodeUsage(codebook_size, dead_after)

    @property
    def codebook(self) -> Tensor:
        """The effective codes ``C W``, ``(codebook_size, dim)``."""
        return self.linear(self.basis)

    def quantize(self, z_e: Tensor) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        codes = self.codebook
        indices = nearest(z_e.detach(), codes.detach())
        q = codes[indices]
        losses = {
            "commit": self.beta * F.mse_loss(z_e, q.detach()),
            "codebook": F.mse_loss(q, z_e.detach()),
        }
        if self.training:
            self.usage.update(indices)
        return self.gradient(z_e, q), indices, losses

    def lookup(self, indices: Tensor) -> Tensor:
        return self.codebook[indices]
