"""FSQ: finite scalar quantisation onto a fixed mixed-radix grid."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from vaekit.quantizers.base import QUANTIZERS, Quantizer, linear_or_identity
from vaekit.quantizers.usage import CodeUsage
from vaekit.registry import ConfigError

EPS = 1e-3


@QUANTIZERS.register("fsq")
class FSQ(Quantizer):
    """Finite scalar quantisation, FSQ (Mentzer et al. 2023).

    "Finite Scalar Quantization: VQ-VAE Made Simple", ICLR 2024.

    Each of the ``len(levels)`` channels is bounded to ``L_i`` values and rounded
    with a straight-through gradient; the grid is the codebook, of size
    ``Π L_i`` (``[8, 5, 5, 5]`` → 1000, ``[8, 8, 8, 5, 5, 5]`` → 64,000). With
    ``h_i = (L_i − 1)(1 − ε)/2``, ``o_i = 0.5`` for even ``L_i`` (else 0),
    the paper's bound is ``f(z) = tanh(z + tan(o/h)) · h − o`` (its ``tan`` shift,
    unlike ``atanh``, stays finite for ``L = 2``); codes are
    ``round(f(z)) / ⌊L/2⌋ ∈ [−1, 1]``. Indices are the mixed-radix number of the
    digits ``round(f(z)) + ⌊L/2⌋``, first channel least significant.

    ``dim`` defaults to ``len(levels)``; a different ``dim`` adds linear in/out
    projections (``dim → len(levels) → dim``) so FSQ fits any latent size.
    No auxiliary losses.
    """

    levels_t: Tensor
    basis: Tensor
    half_width: Tensor

    def __init__(self, levels: Sequence[int] = (8, 5, 5, 5), *, dim: int | None = None) -> None:
        super().__init__()
        if not levels or any(level < 2 for level in levels):
            raise ConfigError(f"fsq levels must be integers >= 2, got {list(levels)}")
        self.levels = tuple(int(level) for level in levels)
        self.code_dim = len(self.levels)
        self.dim = dim or self.code_dim
        self.codebook_size = math.prod(self.levels)
        basis = [math.prod(self.levels[:i]) for i in range(self.code_dim)]
        self.register_buffer("levels_t", torch.tensor(self.levels), persistent=False)
        self.register_buffer("basis", torch.tensor(basis), persistent=False)
        self.register_buffer("half_width", torch.tensor(self.levels) // 2 * 1.0, persistent=False)
        self.project_in = linear_or_identity(self.dim, self.code_dim)
        self.project_out = linear_or_identity(self.code_dim, self.dim)
        self.usage = CodeUsage(self.codebook_size)

    def bound(self, z: Tensor) -> Tensor:
        """``f(z) = tanh(z + tan(o/h)) · h − o``: values rounding to ``L_i`` integers."""
        levels = self.levels_t.to(z.dtype)
        half = (levels - 1) * (1 - EPS) / 2
        offset = torch.where(self.levels_t % 2 == 0, 0.5, 0.0).to(z.dtype)
        return torch.tanh(z + torch.tan(offset / half)) * half - offset

    def quantize(self, z_e: Tensor) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        bounded = self.bound(self.project_in(z_e))
        rounded = bounded.round().detach() + (bounded - bounded.detach())
        grid = rounded / self.half_width.to(rounded.dtype)
        indices = self._digits_to_indices(rounded.detach() + self.half_width.to(rounded.dtype))
        if self.training:
            self.usage.update(indices)
        return self.project_out(grid), indices, {}

    def lookup(self, indices: Tensor) -> Tensor:
        return self.project_out(self.indices_to_grid(indices))

    def codes_to_indices(self, codes: Tensor) -> Tensor:
        """Grid codes ``(..., len(levels))`` (before any output projection) → indices ``(...)``."""
        hw = self.half_width.to(codes.dtype)
        return self._digits_to_indices(codes * hw + hw)

    def indices_to_grid(self, indices: Tensor) -> Tensor:
        """Indices ``(...)`` → grid codes ``(..., len(levels))`` in ``[−1, 1]``."""
        digits = indices[..., None] // self.basis % self.levels_t
        return (digits - self.levels_t // 2).to(self.half_width.dtype) / self.half_width

    @property
    def codebook(self) -> Tensor:
        """The whole grid, ``(codebook_size, len(levels))``."""
        return self.indices_to_grid(torch.arange(self.codebook_size, device=self.basis.device))

    def _digits_to_indices(self, digits: Tensor) -> Tensor:
        return (digits.round().long() * self.basis).sum(-1)
