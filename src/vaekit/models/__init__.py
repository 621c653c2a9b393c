"""Models: registered config dataclasses that assemble a :class:`LatentModel` from parts."""

from vaekit.models import iwae, vae, vqvae  # noqa: F401  (registration)
from vaekit.models.base import MODELS, LatentConfig
from vaekit.models.latent import LatentModel
from vaekit.models.quantized import QuantizedConfig, QuantizedModel

__all__ = ["MODELS", "LatentConfig", "LatentModel", "QuantizedConfig", "QuantizedModel"]
