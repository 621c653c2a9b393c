"""LFQ: lookup-free quantisation to the corners of the hypercube {−1, 1}^bits."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from vaekit.quantizers.base import QUANTIZERS, Quantizer, check_nonnegative, linear_or_identity
from vaekit.quantizers.usage import CodeUsage
from vaekit.registry import ConfigError

MAX_BITS = 24


@QUANTIZERS.register("lfq")
class LFQ(Quantizer):
    """Lookup-free quantisation, LFQ (Yu et al. 2023, MAGVIT-v2).

    "Language Model Beats Diffusion — Tokenizer is Key to Visual Generation", ICLR 2024.

    ``q_i = sign(z_i) ∈ {−1, 1}`` per channel (straight-through), so the implicit
    codebook is ``{−1, 1}^bits`` with ``codebook_size = 2^bits``; the index is
    the binary number ``Σ_i [z_i > 0] 2^(bits−1−i)`` (first channel most
    significant). Losses: ``commit = β · mean ‖z − sg(q)‖²`` and
    ``entropy = w · (E_n[H(p_n)] − γ · H(E_n[p_n]))`` where
    ``p_n = softmax_c(−‖z_n − c‖² / τ)`` over all ``2^bits`` codes: confident
    per-sample assignments, diverse codebook usage.

    Give ``codebook_size`` (a power of two) or ``dim``: ``bits`` is
    ``log2(codebook_size)``, defaulting to ``dim``. When ``dim != bits``,
    linear in/out projections map ``dim → bits → dim``. The entropy costs
    ``O(N · 2^bits)``, so ``bits <= 24``.
    """

    codebook: Tensor
    bit_values: Tensor

    def __init__(
        self,
        *,
        codebook_size: int | None = None,
        dim: int | None = None,
        beta: float = 0.25,
        entropy_weight: float = 0.1,
        diversity: float = 1.0,
        temperature: float = 0.01,
    ) -> None:
        super().__init__()
        bits = dim if codebook_size is None else int(math.log2(codebook_size))
        if bits is None or not 1 <= bits <= MAX_BITS or (codebook_size not in (None, 2**bits)):
            raise ConfigError(
                f"lfq needs codebook_size = 2**bits with 1 <= bits <= {MAX_BITS} "
                f"(or dim <= {MAX_BITS} alone), got codebook_size={codebook_size}, dim={dim}"
            )
        self.code_dim, self.codebook_size = bits, 2**bits
        self.dim = dim or bits
        check_nonnegative(beta=beta, entropy_weight=entropy_weight)
        self.beta, self.entropy_weight = beta, entropy_weight
        self.diversity, self.temperature = diversity, temperature
        bit_values = 2 ** torch.arange(bits - 1, -1, -1)
        codes = (torch.arange(self.codebook_size)[:, None] // bit_values % 2) * 2.0 - 1.0
        self.register_buffer("bit_values", bit_values, persistent=False)
        self.register_buffer("codebook", codes, persistent=False)
        self.project_in = linear_or_identity(self.dim, bits)
        self.project_out = linear_or_identity(bits, self.dim)
        self.usage = CodeUsage(self.codebook_size)

    def quantize(self, z_e: Tensor) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        z = self.project_in(z_e)
        positive = z.detach() > 0
        q = torch.where(positive, 1.0, -1.0).to(z.dtype)
        indices = (positive.long() * self.bit_values).sum(-1)
        losses = {
            "commit": self.beta * F.mse_loss(z, q),
            "entropy": self.entropy_weight * self.entropy_penalty(z),
        }
        if self.training:
            self.usage.update(indices)
        return self.project_out(q + (z - z.detach())), indices, losses

    def lookup(self, indices: Tensor) -> Tensor:
        return self.project_out(self.codebook[indices])

    def entropy_penalty(self, z: Tensor) -> Tensor:
        """``E_n[H(p_n)] − γ H(E_n[p_n])`` for ``z (N, bits)``, unweighted.

        ``−‖z − c‖²/τ = (2 z·c − ‖z‖² − bits)/τ``; the last two terms do not
        depend on ``c`` and cancel in the softmax. The log is clamped so that
        unused codes (``E_n[p_n] = 0``) give a finite gradient.
        """
        logits = 2 * z @ self.codebook.to(z.dtype).T / self.temperature
        log_p = logits.log_softmax(-1)
        p = log_p.exp()
        per_sample = -(p * log_p).sum(-1).mean()
        mean_p = p.mean(0)
        codebook_entropy = -(mean_p * mean_p.clamp_min(torch.finfo(p.dtype).tiny).log()).sum()
        return per_sample - self.diversity * codebook_entropy
