"""A latent discriminator with its own optimizer: the aggregate posterior matched to the
prior adversarially (adversarial autoencoder, Makhzani et al. 2016; WAE-GAN, Tolstikhin
et al. 2018)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vaekit.nn.mlp import mlp
from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.types import Batch, ParamGroup, Step, StepContext, StepOut

DISCRIMINATOR = "discriminator"


@TERMS.register("latent_adversary")
class LatentAdversary(Term):
    """−log D(z) per example: the encoder learns codes a discriminator takes for prior draws.

    D (a SiLU MLP of widths ``hidden`` on the latent, one logit) has its own optimizer
    ``discriminator`` (defaults: Adam, lr 5e-4, betas (0.5, 0.999); set them under
    ``train.optimizers.discriminator``) and its own step, run after the main step on the
    same batch: −log D(z_p) − log(1 − D(z)) for the main step's codes z (detached) and as
    many prior draws z_p. The step logs ``disc_accuracy``. The non-saturating form
    −log D(z) keeps the encoder's gradient alive while D wins.
    """

    name = "adversary"

    def __init__(self, latent_dim: int, hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__()
        self.disc = mlp([latent_dim, *hidden, 1], activate_last=False)
        self._codes: Tensor | None = None

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        self._codes = p.z.detach()
        return F.softplus(-self.disc(p.z)).squeeze(-1)

    def optimizers(self) -> dict[str, ParamGroup]:
        return {
            DISCRIMINATOR: ParamGroup(
                list(self.disc.parameters()), {"lr": 5e-4, "betas": [0.5, 0.999]}
            )
        }

    def steps(self, model: nn.Module) -> list[Step]:
        def train_disc(batch: Batch, ctx: StepContext) -> StepOut:
            if self._codes is None:
                raise RuntimeError("the discriminator step runs after the main step")
            codes, self._codes = self._codes, None
            prior = model.draw_prior(len(codes), batch.y)  # type: ignore[attr-defined]
            real, fake = self.disc(prior).squeeze(-1), self.disc(codes).squeeze(-1)
            loss = F.softplus(-real).mean() + F.softplus(fake).mean()
            accuracy = torch.cat([real > 0, fake < 0]).float().mean()
            return StepOut(loss, batch_terms={"disc_accuracy": accuracy})

        return [Step(DISCRIMINATOR, DISCRIMINATOR, train_disc)]
