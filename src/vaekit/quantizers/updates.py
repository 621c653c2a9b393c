"""Codebook update rules: by loss or by exponential moving averages.

A rule decides whether the codebook is an ``nn.Parameter`` (``learnable``),
which auxiliary losses train it, and what happens to it after each training
step. The quantizer calls, in code space (after projection/normalisation):

- ``bind(codebook)`` once, to allocate per-code state;
- ``losses(e, q)`` every forward;
- ``step(codebook, e, indices)`` after each training forward (in place, no grad);
- ``reset(codebook, mask)`` after codes in ``mask`` were overwritten
  (k-means initialisation, dead-code re-seeding).

Registered in :data:`UPDATES` as ``loss``, ``ema`` and (in ``cvq.py``)
``online_clustering``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vaekit.parallel import sum_over_ranks
from vaekit.quantizers.usage import count_codes
from vaekit.registry import Registry

UPDATES: Registry[CodebookUpdate] = Registry("codebook update")


class CodebookUpdate(nn.Module):
    """Base rule: no per-code state, no losses, no step; ``learnable`` codebook."""

    learnable: bool = True

    def bind(self, codebook: Tensor) -> None:
        """Allocate state for a codebook ``(K, d)``."""

    def losses(self, e: Tensor, q: Tensor) -> dict[str, Tensor]:
        """Auxiliary losses for encoder outputs ``e`` and their codes ``q`` ``(N, d)``."""
        return {}

    def step(self, codebook: Tensor, e: Tensor, indices: Tensor) -> None:
        """Update ``codebook (K, d)`` in place after a training step on ``e (N, d)``."""

    def reset(self, codebook: Tensor, mask: Tensor) -> None:
        """Re-initialise the state of the codes in boolean ``mask (K,)``."""


@UPDATES.register("loss")
class LossUpdate(CodebookUpdate):
    """Codebook loss ``‖sg(z_e) − z_q‖²`` (van den Oord et al. 2017), mean over elements."""

    def losses(self, e: Tensor, q: Tensor) -> dict[str, Tensor]:
        return {"codebook": F.mse_loss(q, e.detach())}


@UPDATES.register("ema")
class EMAUpdate(CodebookUpdate):
    """EMA codebook (van den Oord et al. 2017, appendix A.1; Razavi et al. 2019).

    With ``n_k`` vectors assigned to code ``k`` in the batch and decay ``γ``::

        N_k ← γ N_k + (1 − γ) n_k                  (cluster_size)
        m_k ← γ m_k + (1 − γ) Σ_{i: k(i)=k} e_i    (embed_sum)
        Ñ_k = (N_k + ε) / (Σ_j N_j + K ε) · Σ_j N_j  (Laplace smoothing)
        c_k = m_k / Ñ_k

    The codebook is a buffer (no codebook loss). State starts at ``N_k = 1``,
    ``m_k = c_k`` so that ``c_k = m_k / N_k`` holds from the first step.
    """

    learnable = False
    cluster_size: Tensor
    embed_sum: Tensor

    def __init__(self, decay: float = 0.99, eps: float = 1e-5) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay}")
        self.decay, self.eps = decay, eps

    def bind(self, codebook: Tensor) -> None:
        self.register_buffer("cluster_size", torch.ones_like(codebook[:, 0]))
        self.register_buffer("embed_sum", codebook.detach().clone())

    @torch.no_grad()
    def step(self, codebook: Tensor, e: Tensor, indices: Tensor) -> None:
        k = len(codebook)
        # summed over ranks: every rank updates with the whole global batch's statistics
        counts = sum_over_ranks(count_codes(indices, k).to(codebook.dtype))
        sums = sum_over_ranks(
            torch.zeros_like(codebook).index_add_(0, indices, e.to(codebook.dtype))
        )
        self.cluster_size.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.embed_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
        total = self.cluster_size.sum()
        smoothed = (self.cluster_size + self.eps) / (total + k * self.eps) * total
        codebook.copy_(self.embed_sum / smoothed[:, None])

    @torch.no_grad()
    def reset(self, codebook: Tensor, mask: Tensor) -> None:
        self.cluster_size.masked_fill_(mask, 1.0)
        self.embed_sum.copy_(torch.where(mask[:, None], codebook, self.embed_sum))
