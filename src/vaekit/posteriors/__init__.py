"""Posterior families q(z | x): modules mapping encoder features to a torch Distribution.

The flows (:mod:`vaekit.posteriors.flows`, built on zuko) are registered lazily: listing
names does not import them, the first lookup of one does.
"""

from typing import Any

from vaekit.posteriors import joint  # noqa: F401  (registration)
from vaekit.posteriors.base import POSTERIORS
from vaekit.posteriors.gaussian import DeterministicPosterior, DiagonalGaussian

POSTERIORS.register_lazily("vaekit.posteriors.flows", "coupling", "iaf", "maf", "planar", "radial")

__all__ = ["POSTERIORS", "DeterministicPosterior", "DiagonalGaussian", "FlowPosterior"]


def __getattr__(name: str) -> Any:
    """``FlowPosterior`` on first use (importing zuko only then)."""
    if name == "FlowPosterior":
        from vaekit.posteriors.flows import FlowPosterior

        return FlowPosterior
    raise AttributeError(f"module 'vaekit.posteriors' has no attribute {name!r}")
