"""Objectives: callables ``(model, x, y, ctx) -> StepOut`` assembled from per-example terms.

Terms are ``(B,)`` tensors named ``recon`` (negative log-likelihood, nats), ``kl``, ...;
the engine logs them by name, so they become ``metrics.csv`` columns.
"""

from vaekit.objectives.elbo import ELBO, CapacityELBO, Reconstruction, elbo_terms
from vaekit.objectives.iwae import IWAEBound
from vaekit.objectives.vq import QuantizedReconstruction

__all__ = [
    "ELBO",
    "CapacityELBO",
    "IWAEBound",
    "QuantizedReconstruction",
    "Reconstruction",
    "elbo_terms",
]
