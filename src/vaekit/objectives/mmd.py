"""Maximum mean discrepancy between the codes of a batch and as many prior draws: the
divergence of InfoVAE / MMD-VAE (Zhao et al. 2019) and WAE-MMD (Tolstikhin et al. 2018)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.registry import Registry
from vaekit.types import StepContext

KERNELS: Registry[Tensor] = Registry("mmd kernel")


@KERNELS.register("imq")
def inverse_multiquadratic(sq_dist: Tensor, c: float) -> Tensor:
    """k(x, y) = C / (C + ‖x − y‖²): heavy tails, the WAE paper's choice."""
    return c / (c + sq_dist)


@KERNELS.register("rbf")
def rbf(sq_dist: Tensor, c: float) -> Tensor:
    """k(x, y) = exp(−‖x − y‖² / C)."""
    return torch.exp(-sq_dist / c)


def mmd(
    x: Tensor, y: Tensor, kernel: str = "imq", scales: Sequence[float] = (1.0,), var: float = 1.0
) -> Tensor:
    """Unbiased MMD² between samples ``x (N, D)`` and ``y (M, D)``, N, M ≥ 2.

    The kernel is summed over bandwidths C = 2 · D · var · s for s in ``scales`` (WAE:
    C = 2 D σ² with σ² the prior's variance). Within-sample sums leave out the diagonal,
    so two samples of one distribution give 0 in expectation.
    """
    n, m, d = len(x), len(y), x.shape[-1]
    if n < 2 or m < 2:
        raise ValueError(f"MMD needs at least 2 samples on each side, got {n} and {m}")
    k = KERNELS.get(kernel)
    xx, yy, xy = torch.cdist(x, x).pow(2), torch.cdist(y, y).pow(2), torch.cdist(x, y).pow(2)
    total = x.new_zeros(())
    for s in scales:
        c = 2.0 * d * var * s
        kxx, kyy = k(xx, c), k(yy, c)
        within = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
        within = within + (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
        total = total + within - 2 * k(xy, c).mean()
    return total


@TERMS.register("mmd")
class MMD(Term):
    """MMD² between the batch's codes z ~ q(z|x) and as many draws of the prior (batch-level).

    ``kernel`` is ``imq`` (default) or ``rbf``; ``scales`` are multipliers of the
    bandwidth C = 2 · latent_dim · ``prior_var`` (WAE-MMD sums over several).
    """

    name = "mmd"

    def __init__(
        self, kernel: str = "imq", scales: Sequence[float] = (1.0,), prior_var: float = 1.0
    ) -> None:
        super().__init__()
        if kernel not in KERNELS:
            raise ValueError(f"unknown mmd kernel {kernel!r}; valid choices: {', '.join(KERNELS)}")
        if not scales or any(s <= 0 for s in scales) or prior_var <= 0:
            raise ValueError(f"mmd scales and prior_var must be > 0, got {scales}, {prior_var}")
        self.kernel, self.scales, self.prior_var = kernel, tuple(scales), prior_var

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        prior = p.model.draw_prior(len(p.z), p.batch.y)
        return mmd(p.z, prior, self.kernel, self.scales, self.prior_var)
