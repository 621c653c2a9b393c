"""Posterior families q(z | x): modules mapping encoder features to a torch Distribution."""

from vaekit.posteriors import joint  # noqa: F401  (registration)
from vaekit.posteriors.base import POSTERIORS
from vaekit.posteriors.flows import FlowPosterior
from vaekit.posteriors.gaussian import DeterministicPosterior, DiagonalGaussian

__all__ = ["POSTERIORS", "DeterministicPosterior", "DiagonalGaussian", "FlowPosterior"]
