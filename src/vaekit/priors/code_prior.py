"""Priors over code indices: autoregressive models of a quantized model's latent grid.

A code prior models sequences of ``length`` integers in ``[0, vocab_size)`` — one
example's indices flattened in raster order. For multi-index quantizers (residual
or grouped VQ, indices ``(h, w, S)``) the ``S`` stage/group indices of a position
are consecutive in the sequence, so stage ``s`` is predicted from every earlier
position and the earlier stages of its own position (joint, exact factorisation).
Registered in :data:`CODE_PRIORS`; a factory takes ``vocab_size`` and ``length``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vaekit.registry import Registry

CODE_PRIORS: Registry[nn.Module] = Registry("code prior")


@CODE_PRIORS.register("transformer")
class TransformerPrior(nn.Module):
    """A small causal transformer over code sequences (a GPT, Radford et al. 2018).

    ``log p(k_1..k_L) = Σ_t log softmax(f(BOS, k_1..k_{t−1}))[k_t]``: a start token,
    learned token and position embeddings, ``layers`` pre-norm blocks with causal
    self-attention, and a linear head over the ``vocab_size`` codes.
    Shapes: ``indices (B, L)`` int64 → ``log_prob (B,)``; ``sample(n) → (n, L)``.
    """

    causal: Tensor

    def __init__(
        self,
        *,
        vocab_size: int,
        length: int,
        width: int = 128,
        layers: int = 2,
        heads: int = 4,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if vocab_size < 1 or length < 1:
            raise ValueError(f"need vocab_size, length >= 1, got {vocab_size}, {length}")
        if width % heads:
            raise ValueError(f"width {width} must be divisible by heads {heads}")
        self.vocab_size, self.length = vocab_size, length
        self.embed = nn.Embedding(vocab_size + 1, width)  # the last token is BOS
        self.position = nn.Parameter(torch.randn(length, width) * 0.02)
        block = nn.TransformerEncoderLayer(
            width, heads, 4 * width, dropout, activation="gelu", batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab_size)
        mask = torch.ones(length, length, dtype=torch.bool).triu(1)
        self.register_buffer("causal", mask, persistent=False)

    def logits(self, prefix: Tensor) -> Tensor:
        """Next-code logits ``(B, t + 1, V)`` for every position after ``prefix (B, t)``, t < L."""
        bos = prefix.new_full((prefix.shape[0], 1), self.vocab_size)
        tokens = torch.cat([bos, prefix], dim=1)
        t = tokens.shape[1]
        h = self.embed(tokens) + self.position[:t]
        h = self.blocks(h, mask=self.causal[:t, :t], is_causal=True)
        return self.head(self.norm(h))

    def log_prob(self, indices: Tensor) -> Tensor:
        """``log p(indices)`` for ``indices (B, L)`` → ``(B,)`` nats."""
        log_p = self.logits(indices[:, :-1]).log_softmax(-1)
        return log_p.gather(-1, indices[..., None]).squeeze(-1).sum(-1)

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0) -> Tensor:
        """``n`` sequences ``(n, L)`` drawn code by code (ancestral sampling)."""
        out = torch.empty(n, 0, dtype=torch.long, device=self.position.device)
        for _ in range(self.length):
            logits = self.logits(out)[:, -1] / temperature
            nxt = torch.multinomial(F.softmax(logits.float(), -1), 1)
            out = torch.cat([out, nxt], dim=1)
        return out
