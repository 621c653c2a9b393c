"""A second-stage VAE over codes: the two-stage VAE of Dai & Wipf 2019, "Diagnosing and
Enhancing VAE Models" (ICLR)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from vaekit.models import MODELS
from vaekit.samplers.base import SAMPLERS, LatentSampler
from vaekit.types import Batch, ParamGroup, Step, StepContext, StepOut

NLL_SAMPLES = 100


@SAMPLERS.register("two_stage_vae")
class TwoStageVAE(LatentSampler):
    """A VAE on standardised codes u: MLP encoder and decoder of widths ``hidden``,
    ``latent_dim`` latents of its own (D, as in the paper), N(0, I) prior and a Gaussian
    likelihood with one learned variance γ.

    Dai & Wipf: a first-stage VAE finds the data's manifold but its aggregate posterior
    q(z) does not match N(0, I); a second VAE on z learns q(z), and its learned γ → 0
    lets it fit it closely. Sampling draws u ~ N(0, I) through the second decoder's mean,
    then the first decoder. It is the registered ``vae`` model built for inputs ``(D,)``,
    trained by the engine on its own −ELBO; ``log_prob`` is its importance-sampled
    log-likelihood (``NLL_SAMPLES`` samples).
    """

    def __init__(self, latent_dim: int, hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__(latent_dim)
        mlp = {"name": "mlp", "hidden": list(hidden)}
        config = MODELS.get("vae")(
            latent_dim=latent_dim,
            encoder=mlp,
            decoder=mlp,
            likelihood={"name": "gaussian", "learn": "global"},
        )
        self.vae = config.build((latent_dim,))

    def optimizers(self) -> dict[str, ParamGroup]:
        """The second VAE's optimizers."""
        return self.vae.optimizers()

    def steps(self) -> list[Step]:
        """The second VAE's step on standardised codes."""
        return [Step("main", "main", self.step)]

    def step(self, batch: Batch, ctx: StepContext) -> StepOut:
        """The second VAE's −ELBO on the standardised codes ``batch.x``."""
        return self.vae.step(batch.with_x(self.standardise(batch.x)), ctx)

    @torch.no_grad()
    def standard_log_prob(self, u: Tensor) -> Tensor:
        return self.vae.log_likelihood(u, k=NLL_SAMPLES)

    def standard_sample(self, n: int) -> Tensor:
        return self.vae.sample(n)
