"""FactorVAE's total-correlation penalty, estimated by a discriminator with its own optimizer
(Kim & Mnih 2018, "Disentangling by Factorising")."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.types import Batch, ParamGroup, Step, StepContext, StepOut

DISCRIMINATOR = "discriminator"


def permute_dims(z: Tensor) -> Tensor:
    """Each column of ``z (B, D)`` shuffled on its own (Kim & Mnih 2018, Algorithm 2).

    Rows of z are draws of q(z); after the shuffle each column keeps its values, so every
    marginal q(z_d) is unchanged, but a row mixes coordinates of different examples: a draw
    of Π_d q(z_d). Uses torch's global generator (checkpointed, so resume is exact).
    """
    order = torch.rand(z.shape, device=z.device).argsort(dim=0)
    return z.gather(0, order)


def discriminator(latent_dim: int, hidden: Sequence[int]) -> nn.Sequential:
    """An MLP from codes to one logit, leaky-ReLU (slope 0.2) after every hidden layer."""
    layers: list[nn.Module] = []
    width = latent_dim
    for size in hidden:
        layers += [nn.Linear(width, size), nn.LeakyReLU(0.2)]
        width = size
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


@TERMS.register("factor_tc")
class FactorTC(Term):
    """TC(z) ≈ log D(z) / (1 − D(z)) per example: FactorVAE's penalty, its weight γ.

    The density-ratio trick: a discriminator D tells draws of q(z) (the batch's codes)
    from draws of Π_d q(z_d) (:func:`permute_dims` of them); at its optimum
    D/(1 − D) = q(z) / Π_d q(z_d), so its logit at z estimates the total correlation
    (Kim & Mnih 2018, eq. 3). D is a 6 × 1000 leaky-ReLU MLP (``hidden``) with its own
    optimizer ``discriminator``, Adam with lr 1e-4 and betas (0.5, 0.9) by default (the
    paper's; set them under ``train.optimizers.discriminator``). Its step runs after the
    main step and minimises −log D(z) − log(1 − D(z̃)), logging ``disc_accuracy``.

    The discriminator's batch: the main step's codes z (detached) and z̃ = permute_dims(z)
    of the same batch. The paper permutes the codes of a second batch; one batch, as in
    disentanglement_lib (Locatello et al. 2019), needs no second encoder pass and the
    engine serves one batch per step, while every row of z̃ still mixes B examples.
    """

    name = "factor_tc"

    def __init__(self, latent_dim: int, hidden: Sequence[int] = (1000,) * 6) -> None:
        super().__init__()
        if not hidden or any(h < 1 for h in hidden):
            raise ValueError(f"hidden must be one or more layer widths >= 1, got {hidden}")
        self.disc = discriminator(latent_dim, hidden)
        self._codes: Tensor | None = None

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        self._codes = p.z.detach()
        return self.disc(p.z).squeeze(-1)

    def optimizers(self) -> dict[str, ParamGroup]:
        return {
            DISCRIMINATOR: ParamGroup(
                list(self.disc.parameters()), {"lr": 1e-4, "betas": [0.5, 0.9]}
            )
        }

    def steps(self, model: nn.Module) -> list[Step]:
        def train_disc(batch: Batch, ctx: StepContext) -> StepOut:
            if self._codes is None:
                raise RuntimeError("the discriminator step runs after the main step")
            codes, self._codes = self._codes, None
            joint = self.disc(codes).squeeze(-1)
            product = self.disc(permute_dims(codes)).squeeze(-1)
            loss = F.softplus(-joint).mean() + F.softplus(product).mean()
            accuracy = torch.cat([joint > 0, product < 0]).float().mean()
            return StepOut(loss, batch_terms={"disc_accuracy": accuracy})

        return [Step(DISCRIMINATOR, DISCRIMINATOR, train_disc)]
