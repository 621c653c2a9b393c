"""Codebook initialisers: random at construction, or k-means on the first batch.

An initialiser gives the starting codebook (``initial``) and may refit it on a
training batch (``fit``, returning whether it changed the codebook).
Registered in :data:`INITS` as ``random``, ``uniform`` and ``kmeans``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.parallel import from_rank_zero, gather_rows
from vaekit.quantizers.base import nearest
from vaekit.quantizers.usage import count_codes
from vaekit.registry import Registry

INITS: Registry[CodebookInit] = Registry("codebook initialiser")


@INITS.register("random")
class CodebookInit(nn.Module):
    """Standard normal codes ``c_k ~ N(0, I)``; no data-dependent refit."""

    def initial(self, codebook_size: int, dim: int) -> Tensor:
        """The codebook at construction, ``(K, d)``."""
        return torch.randn(codebook_size, dim)

    def fit(self, codebook: Tensor, e: Tensor) -> bool:
        """Refit ``codebook (K, d)`` in place on training vectors ``e (N, d)``; True if changed."""
        return False


@INITS.register("uniform")
class UniformInit(CodebookInit):
    """Small uniform codes ``c_k ~ U(−scale/K, scale/K)^d`` (VQGAN, Esser et al. 2021).

    The initialisation of the rotation trick's experiments (Fifty et al. 2024 train
    VQGANs from it). Codes start near the origin, inside the encoder's outputs, so the
    nearest code of an output is picked by its direction: every code gets used, each code
    serves outputs of one direction, and the rotation trick's ``λ = ‖q‖/‖e‖`` and angle
    stay well behaved (``N(0, I)`` codes, ``‖c‖ ≈ √d``, leave a few codes serving outputs
    of every direction around the origin, see :class:`~vaekit.quantizers.RotationTrick`).
    """

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        if not scale > 0:
            raise ValueError(f"uniform init scale must be > 0, got {scale}")
        self.scale = scale

    def initial(self, codebook_size: int, dim: int) -> Tensor:
        width = self.scale / codebook_size
        return (2 * torch.rand(codebook_size, dim) - 1) * width


@INITS.register("kmeans")
class KMeansInit(CodebookInit):
    """k-means initialisation on the first training batch (SoundStream, Zeghidour et al. 2021).

    Runs ``iters`` Lloyd iterations from ``K`` distinct batch vectors (drawn with
    replacement when the batch has fewer than ``K``). The ``done`` flag is
    saved in the state dict, so a loaded model is not refitted.
    """

    done: Tensor

    def __init__(self, iters: int = 10) -> None:
        super().__init__()
        self.iters = iters
        self.register_buffer("done", torch.tensor(False))

    @torch.no_grad()
    def fit(self, codebook: Tensor, e: Tensor) -> bool:
        if bool(self.done):
            return False
        # fitted on every rank's vectors; rank 0's centroids win (its random start)
        codebook.copy_(from_rank_zero(kmeans(gather_rows(e), len(codebook), self.iters)))
        self.done.fill_(True)
        return True


@torch.no_grad()
def kmeans(x: Tensor, k: int, iters: int) -> Tensor:
    """Lloyd's k-means on ``x (N, d)`` → centroids ``(k, d)``; empty clusters keep their centroid.

    Each iteration assigns ``a_i = argmin_k ‖x_i − c_k‖²`` then sets
    ``c_k = mean{x_i : a_i = k}``, fully vectorised (``index_add_``, :func:`count_codes`).
    """
    n = len(x)
    start = (
        torch.randperm(n, device=x.device)[:k]
        if n >= k
        else torch.randint(n, (k,), device=x.device)
    )
    centroids = x[start].clone()
    for _ in range(iters):
        assign = nearest(x, centroids)
        counts = count_codes(assign, k).to(x.dtype)[:, None]
        sums = torch.zeros_like(centroids).index_add_(0, assign, x)
        centroids = torch.where(counts > 0, sums / counts.clamp_min(1), centroids)
    return centroids
