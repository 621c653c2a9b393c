"""The VampPrior: a mixture of the model's own posteriors at learned pseudo-inputs."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.distributions import Categorical, Distribution

from vaekit.distributions.mixture import DiagonalGaussianMixture
from vaekit.priors.base import PRIORS
from vaekit.registry import VaekitError
from vaekit.types import PriorContext


@PRIORS.register("vamp")
class VampPrior(nn.Module):
    """p(z) = (1/K) Σ_k q(z | u_k): the posterior mixture at K learned pseudo-inputs.

    Tomczak & Welling 2018, "VAE with a VampPrior" (AISTATS): the prior that maximises
    the ELBO is the aggregate posterior; the VampPrior approximates it with K learned
    pseudo-inputs ``u_k`` of the data's ``input_shape``, encoded by the model's own
    encoder through ``context.model.encode(u)`` (batch shape ``(K,)``, event shape
    ``(latent_dim,)``). It needs ``context.model`` and is for unconditional models.

    Pseudo-inputs start at 0.5 + ``init_std``·ε, ε ~ N(0, 1): a grey image with small
    noise to break the symmetry between components, in the middle of [0, 1] data.
    With ``squash`` (default) they are ``sigmoid(raw)``, kept in [0, 1] like the
    images the encoder sees (the authors' code clamps with a hardtanh instead; a
    sigmoid never cuts the gradient off); turn it off for data outside [0, 1].
    KL(q ‖ p) has no closed form, so the KL falls back to Monte Carlo. Encoding the K
    pseudo-inputs costs one encoder pass over K inputs each time p(z) is built.
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        components: int = 500,
        squash: bool = True,
        init_std: float = 0.01,
    ) -> None:
        super().__init__()
        if components < 1:
            raise ValueError(f"vamp needs components >= 1, got {components}")
        if init_std < 0:
            raise ValueError(f"vamp needs init_std >= 0, got {init_std}")
        self.squash = squash
        u = 0.5 + init_std * torch.randn(components, *input_shape)
        self.raw_inputs = nn.Parameter(torch.logit(u, eps=1e-3) if squash else u)

    @property
    def pseudo_inputs(self) -> Tensor:
        """The pseudo-inputs u ``(K, *input_shape)``."""
        return torch.sigmoid(self.raw_inputs) if self.squash else self.raw_inputs

    def forward(self, context: PriorContext | None = None) -> Distribution:
        """The equal-weight mixture of q(z | u_k) over ``(latent_dim,)``, batch shape ``()``."""
        model = None if context is None else context.model
        if model is None:
            raise VaekitError(
                "the vamp prior needs the model it belongs to: call it as "
                "prior(PriorContext(model=...)) so it can encode its pseudo-inputs"
            )
        if getattr(model, "num_classes", 0) > 0:
            raise VaekitError(
                "the vamp prior is for unconditional models: this model is conditional "
                f"(num_classes={model.num_classes}); use a conditional prior such as "
                "conditional_gaussian"
            )
        q = model.encode(self.pseudo_inputs)
        uniform = Categorical(logits=self.raw_inputs.new_zeros(q.batch_shape), validate_args=False)
        return DiagonalGaussianMixture(uniform, q, validate_args=False)
