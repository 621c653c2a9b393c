"""Observation models p(x | z): turn decoder outputs into per-example log-likelihoods."""

from vaekit.likelihoods.base import LIKELIHOODS, Likelihood
from vaekit.likelihoods.bernoulli import Bernoulli, ContinuousBernoulli
from vaekit.likelihoods.gaussian import Gaussian
from vaekit.likelihoods.logistic import DiscretizedLogistic

__all__ = [
    "LIKELIHOODS",
    "Bernoulli",
    "ContinuousBernoulli",
    "DiscretizedLogistic",
    "Gaussian",
    "Likelihood",
]
