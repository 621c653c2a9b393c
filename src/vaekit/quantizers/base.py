"""The quantizer contract and the numerics every quantizer shares.

A quantizer maps encoder outputs ``z_e`` of shape ``(..., D)`` (channels last)
to a :class:`~vaekit.types.QuantOut`. Subclasses of :class:`Quantizer` work on
flat ``(N, D)`` rows and implement two methods:

- ``quantize(z_e) -> (z_q, indices, losses)``: ``(N, D) -> (N, D), (N, *index_shape)``;
- ``lookup(indices) -> codes``: the inverse, ``(N, *index_shape) -> (N, D)``.

The base class restores the leading shape, computes the batch statistics and
guarantees the contract invariant: in eval mode ``z_q == indices_to_codes(indices)``
exactly, because both go through the same flat computation.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, TypeVar

import torch
from torch import Tensor, nn

from vaekit.ops import histogram_entropy
from vaekit.quantizers.usage import CodeUsage, count_codes
from vaekit.registry import Registry
from vaekit.types import QuantOut

QUANTIZERS: Registry[Quantizer] = Registry("quantizer")

P = TypeVar("P", bound=nn.Module)
Spec = str | Mapping[str, Any]


class Quantizer(nn.Module, ABC):
    """Base class: ``forward(z_e (..., D)) -> QuantOut``.

    Attributes ``codebook_size`` (codes per index, the range of every entry of
    ``indices``), ``dim`` (``D``, the input/output size) and ``index_shape``
    (``()`` for one index per vector, ``(S,)`` for S stages or groups).
    """

    codebook_size: int
    dim: int
    index_shape: tuple[int, ...] = ()

    @abstractmethod
    def quantize(self, z_e: Tensor) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        """Quantize flat rows ``(N, D)`` → ``z_q (N, D)``, ``indices (N, *index_shape)``, losses."""

    @abstractmethod
    def lookup(self, indices: Tensor) -> Tensor:
        """Codes for flat indices ``(N, *index_shape)`` → ``(N, D)``."""

    def forward(self, z_e: Tensor) -> QuantOut:
        """Quantize ``z_e (..., D)``; see :class:`~vaekit.types.QuantOut`."""
        if z_e.shape[-1] != self.dim:
            raise ValueError(
                f"{type(self).__name__} expects (..., {self.dim}), got {tuple(z_e.shape)}"
            )
        flat = z_e.reshape(-1, self.dim)
        z_q, indices, losses = self.quantize(flat)
        stats = code_stats(flat, z_q, indices, self.codebook_size)
        lead = z_e.shape[:-1]
        return QuantOut(
            z_q.reshape(z_e.shape), indices.reshape(*lead, *self.index_shape), losses, stats
        )

    def indices_to_codes(self, indices: Tensor) -> Tensor:
        """Inverse lookup: ``(..., *index_shape)`` int64 → codes ``(..., D)``."""
        lead = indices.shape[: indices.dim() - len(self.index_shape)]
        codes = self.lookup(indices.reshape(-1, *self.index_shape))
        return codes.reshape(*lead, self.dim)

    @property
    def dead_codes(self) -> int:
        """Codes idle for ``dead_after`` training steps, summed over every :class:`CodeUsage`."""
        return sum(m.dead_codes for m in self.modules() if isinstance(m, CodeUsage))


@torch.no_grad()
def nearest(x: Tensor, codes: Tensor) -> Tensor:
    """Nearest code ``argmin_k ‖x − c_k‖²``: ``x (N, d)``, ``codes (K, d)`` → ``(N,)`` int64.

    Uses the expanded form ``‖c_k‖² − 2 x·c_k`` (``‖x‖²`` is constant per row).
    """
    return (codes.pow(2).sum(-1) - 2 * x @ codes.T).argmin(-1)


@torch.no_grad()
def code_stats(z_e: Tensor, z_q: Tensor, indices: Tensor, codebook_size: int) -> dict[str, Tensor]:
    """Detached batch statistics for ``z_e, z_q (N, D)`` and ``indices (N, *index_shape)``.

    From the batch code histogram ``p̂`` of each stage/group, averaged over them: ``usage``
    (fraction of codes used), ``perplexity = exp H(p̂)``, ``perplexity_norm`` (perplexity
    / K: 1 only for even use of every code) and ``code_entropy_bits`` (H(p̂) in bits);
    and ``quant_error = mean_n ‖z_e − z_q‖²``.
    """
    columns = indices.reshape(len(indices), -1).T  # (S, N)
    offsets = torch.arange(len(columns), device=indices.device)[:, None] * codebook_size
    counts = count_codes(columns + offsets, len(columns) * codebook_size)
    counts = counts.reshape(len(columns), codebook_size).to(z_e.dtype)
    entropy = histogram_entropy(counts)
    perplexity = entropy.exp().mean()
    return {
        "perplexity": perplexity,
        "perplexity_norm": perplexity / codebook_size,
        "code_entropy_bits": entropy.mean() / math.log(2),
        "usage": (counts > 0).to(z_e.dtype).mean(),
        "quant_error": (z_e - z_q).pow(2).sum(-1).mean(),
    }


def check_nonnegative(**weights: float) -> None:
    """Raise ``ValueError`` naming any loss weight below 0 (it would reward the loss)."""
    for name, value in weights.items():
        if not value >= 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


def linear_or_identity(n_in: int, n_out: int) -> nn.Module:
    """A projection ``n_in → n_out``: ``nn.Linear`` when the sizes differ, else identity."""
    return nn.Linear(n_in, n_out) if n_in != n_out else nn.Identity()


def build_part(spec: P | Spec, registry: Registry[P], kind: type[P]) -> P:
    """A strategy part given as an instance, a registered name or ``{"name": ..., **kwargs}``."""
    return spec if isinstance(spec, kind) else registry.build(spec)
