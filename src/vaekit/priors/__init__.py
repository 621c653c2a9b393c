"""Priors p(z): modules whose ``forward(context=None)`` returns a Distribution over
``(latent_dim,)``.

The same interface holds fixed and learned priors (standard normal, mixtures, the
VampPrior, class-conditional Gaussians): they are modules with parameters, and the
model calls ``prior(PriorContext(model, condition))`` each step. Priors over code
indices of quantized models live apart, in :data:`CODE_PRIORS`. The flow prior (zuko) is
registered lazily: listing names does not import it, the first lookup does.
"""

from typing import Any

from vaekit.priors import joint  # noqa: F401  (registration)
from vaekit.priors.base import PRIORS
from vaekit.priors.code_prior import CODE_PRIORS, TransformerPrior
from vaekit.priors.conditional_gaussian import ConditionalGaussian
from vaekit.priors.mog import MixtureOfGaussians
from vaekit.priors.normal import StandardNormal
from vaekit.priors.vamp import VampPrior

PRIORS.register_lazily("vaekit.priors.flow", "flow")

__all__ = [
    "CODE_PRIORS",
    "PRIORS",
    "ConditionalGaussian",
    "FlowPrior",
    "MixtureOfGaussians",
    "StandardNormal",
    "TransformerPrior",
    "VampPrior",
]


def __getattr__(name: str) -> Any:
    """``FlowPrior`` on first use (importing zuko only then)."""
    if name == "FlowPrior":
        from vaekit.priors.flow import FlowPrior

        return FlowPrior
    raise AttributeError(f"module 'vaekit.priors' has no attribute {name!r}")
