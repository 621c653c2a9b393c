"""Priors p(z): modules whose ``forward()`` returns a Distribution over ``(latent_dim,)``.

The same interface holds learned priors (VampPrior, mixtures, flows, code priors):
they are modules with parameters, and the model calls ``prior()`` each step.
"""

from vaekit.priors.base import PRIORS
from vaekit.priors.code_prior import CODE_PRIORS, TransformerPrior
from vaekit.priors.normal import StandardNormal

__all__ = ["CODE_PRIORS", "PRIORS", "StandardNormal", "TransformerPrior"]
