"""Models: registered config dataclasses that assemble a :class:`LatentModel` from parts."""

from vaekit.models import iwae, vae  # noqa: F401  (registration)
from vaekit.models.base import MODELS, LatentConfig
from vaekit.models.latent import LatentModel

__all__ = ["MODELS", "LatentConfig", "LatentModel"]
