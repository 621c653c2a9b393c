"""Vector quantisation with pluggable codebook update, gradient estimator and initialiser.

``VQ`` is the composition; the named shortcuts ``vq_ema`` and ``rotation_vq``
(and ``cvq`` in ``cvq.py``) are short factories over it. Every combination is
reachable from a config through ``vq``, e.g.
``{"name": "vq", "update": {"name": "ema", "decay": 0.9}, "gradient": "rotation",
"init": "kmeans", "cosine": true, "code_dim": 8, "reseed_dead": true}``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vaekit.parallel import from_rank_zero
from vaekit.quantizers.base import (
    QUANTIZERS,
    Quantizer,
    Spec,
    build_part,
    check_nonnegative,
    linear_or_identity,
    nearest,
)
from vaekit.quantizers.gradients import GRADIENTS, GradientEstimator
from vaekit.quantizers.initialisers import INITS, CodebookInit
from vaekit.quantizers.updates import UPDATES, CodebookUpdate, EMAUpdate
from vaekit.quantizers.usage import CodeUsage


@QUANTIZERS.register("vq")
class VQ(Quantizer):
    """Vector quantisation, VQ-VAE (van den Oord et al. 2017), with strategy parts.

    "Neural Discrete Representation Learning", NeurIPS 2017.

    ``k(e) = argmin_k ‖e − c_k‖²``, ``z_q = c_{k(e)}`` with gradient estimator
    ``gradient`` (straight-through by default), commitment loss
    ``commit = β · mean ‖e − sg(z_q)‖²`` plus whatever the ``update`` rule adds
    (``codebook = mean ‖sg(e) − z_q‖²`` for the default ``loss`` rule).

    Options:
        code_dim: search codes in a ``code_dim``-dimensional space reached by
            linear in/out projections (Yu et al. 2022, ViT-VQGAN); losses and
            the codebook live in code space. Default: ``dim`` (no projection).
        cosine: l2-normalise ``e`` and the codes (cosine-similarity search).
        update / gradient / init: strategy parts, given as instances, names or
            ``{"name": ..., **kwargs}`` from :data:`UPDATES`, :data:`GRADIENTS`,
            :data:`INITS`.
        dead_after, reseed_dead: a code idle for ``dead_after`` training steps
            is dead (:attr:`dead_codes`); with ``reseed_dead`` it is re-seeded
            from a random encoder output of the current batch (Dhariwal et al.
            2020, Jukebox; Zeghidour et al. 2021, SoundStream).

    Shapes: ``z_e (..., dim)`` → ``z_q (..., dim)``, ``indices (...)``.
    ``codebook`` is ``(codebook_size, code_dim)``, a parameter or (EMA) a buffer.
    """

    codebook: Tensor

    def __init__(
        self,
        *,
        dim: int,
        codebook_size: int = 512,
        code_dim: int | None = None,
        beta: float = 0.25,
        cosine: bool = False,
        update: CodebookUpdate | Spec = "loss",
        gradient: GradientEstimator | Spec = "ste",
        init: CodebookInit | Spec = "random",
        dead_after: int = 100,
        reseed_dead: bool = False,
    ) -> None:
        super().__init__()
        check_nonnegative(beta=beta)
        self.dim, self.codebook_size = dim, codebook_size
        self.code_dim = code_dim or dim
        self.beta, self.cosine, self.reseed_dead = beta, cosine, reseed_dead
        self.update = build_part(update, UPDATES, CodebookUpdate)
        self.gradient = build_part(gradient, GRADIENTS, GradientEstimator)
        self.init = build_part(init, INITS, CodebookInit)
        weight = self.init.initial(codebook_size, self.code_dim)
        if self.update.learnable:
            self.codebook = nn.Parameter(weight)
        else:
            self.register_buffer("codebook", weight)
        self.update.bind(self.codebook)
        self.usage = CodeUsage(codebook_size, dead_after)
        self.project_in = linear_or_identity(dim, self.code_dim)
        self.project_out = linear_or_identity(self.code_dim, dim)

    def quantize(self, z_e: Tensor) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        e = self.project_in(z_e)
        if self.cosine:
            e = F.normalize(e, dim=-1)
        if self.training and self.init.fit(self.codebook, e.detach()):
            everything = torch.ones(self.codebook_size, dtype=torch.bool, device=e.device)
            self.update.reset(self.codebook, everything)
        indices = nearest(e.detach(), self._normalise(self.codebook.detach()))
        q = self._normalise(self.codebook[indices])
        losses = {"commit": self.beta * F.mse_loss(e, q.detach()), **self.update.losses(e, q)}
        if self.training:
            self.update.step(self.codebook, e.detach(), indices)
            self.usage.update(indices)
            if self.reseed_dead:
                self._reseed(e.detach())
        return self.project_out(self.gradient(e, q)), indices, losses

    def lookup(self, indices: Tensor) -> Tensor:
        return self.project_out(self._normalise(self.codebook[indices]))

    def _normalise(self, codes: Tensor) -> Tensor:
        return F.normalize(codes, dim=-1) if self.cosine else codes

    @torch.no_grad()
    def _reseed(self, e: Tensor) -> None:
        """Replace dead codes by random rows of ``e (N, d)`` (no host sync)."""
        dead = self.usage.dead
        draws = e[torch.randint(len(e), (self.codebook_size,), device=e.device)]
        self.codebook.copy_(torch.where(dead[:, None], draws, self.codebook))
        from_rank_zero(self.codebook)  # rank 0's draws, so every rank holds one codebook
        self.usage.revive(dead)
        self.update.reset(self.codebook, dead)


@QUANTIZERS.register("vq_ema")
def vq_ema(
    *,
    dim: int,
    codebook_size: int = 512,
    beta: float = 0.25,
    decay: float = 0.99,
    eps: float = 1e-5,
) -> VQ:
    """VQ with an EMA codebook and Laplace smoothing (van den Oord et al. 2017, appendix A.1)."""
    return VQ(dim=dim, codebook_size=codebook_size, beta=beta, update=EMAUpdate(decay, eps))


@QUANTIZERS.register("rotation_vq")
def rotation_vq(
    *,
    dim: int,
    codebook_size: int = 512,
    beta: float = 0.25,
    update: Spec = "loss",
    init: Spec = "uniform",
) -> VQ:
    """VQ with the rotation-trick gradient (Fifty et al. 2024), from small uniform codes.

    As in the paper's VQGAN setup, codes start in ``U(−1/K, 1/K)``
    (:class:`~vaekit.quantizers.UniformInit`), not ``N(0, I)``: from ``N(0, I)`` codes the
    rotation trick collapses the codebook (issue 13, ``benchmarks/RESULTS.md``).
    """
    return VQ(
        dim=dim,
        codebook_size=codebook_size,
        beta=beta,
        update=update,
        gradient="rotation",
        init=init,
    )
