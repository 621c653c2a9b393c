"""Online clustered codebook: CVQ (Zheng & Vedaldi 2023).

"Online Clustered Codebook", ICCV 2023. The codebook is trained by the usual
codebook loss, and after every training step each code is pulled towards an
anchor taken from the batch features, strongly if the code is rarely used::

    N_k ← γ N_k + (1 − γ) n_k / N                 (running average usage)
    α_k = exp(−N_k K · 10 / (1 − γ) − 10⁻³)
    c_k ← (1 − α_k) c_k + α_k ê_k

with ``ê_k`` the batch feature closest to ``c_k`` (the paper's "closest" anchor).
Frequently used codes (``N_k ≈ 1/K``) get ``α_k ≈ 0``; dead codes (``N_k → 0``)
are re-anchored onto the data.
"""

from __future__ import annotations

import torch
from torch import Tensor

from vaekit.parallel import gather_rows, sum_over_ranks
from vaekit.quantizers.base import QUANTIZERS, nearest
from vaekit.quantizers.updates import UPDATES, LossUpdate
from vaekit.quantizers.usage import count_codes
from vaekit.quantizers.vq import VQ


@UPDATES.register("online_clustering")
class OnlineClustering(LossUpdate):
    """Codebook loss plus CVQ re-anchoring of under-used codes towards their closest features."""

    avg_usage: Tensor

    def __init__(self, decay: float = 0.99) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay}")
        self.decay = decay

    def bind(self, codebook: Tensor) -> None:
        self.register_buffer("avg_usage", torch.zeros_like(codebook[:, 0]))

    @torch.no_grad()
    def step(self, codebook: Tensor, e: Tensor, indices: Tensor) -> None:
        k = len(codebook)
        # usage and anchors from the global batch (every rank's share)
        counts = count_codes(indices, k).to(self.avg_usage.dtype)
        total = torch.tensor(float(len(indices)), dtype=counts.dtype, device=counts.device)
        used = sum_over_ranks(counts) / sum_over_ranks(total)
        self.avg_usage.mul_(self.decay).add_(used, alpha=1 - self.decay)
        e = gather_rows(e)
        anchors = e[nearest(codebook, e)].to(codebook.dtype)
        alpha = torch.exp(-self.avg_usage * k * 10 / (1 - self.decay) - 1e-3)[:, None]
        codebook.mul_(1 - alpha).add_(alpha * anchors)


@QUANTIZERS.register("cvq")
def cvq(*, dim: int, codebook_size: int = 512, beta: float = 0.25, decay: float = 0.99) -> VQ:
    """CVQ: VQ with an online clustered codebook (Zheng & Vedaldi 2023)."""
    return VQ(dim=dim, codebook_size=codebook_size, beta=beta, update=OnlineClustering(decay))
