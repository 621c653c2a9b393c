"""Models: registered config dataclasses that assemble a :class:`LatentModel` from parts."""

from vaekit.models import (  # noqa: F401  (registration)
    disentangle,
    iwae,
    vae,
    vqvae,
    wae,
)
from vaekit.models.base import MODELS, LatentConfig
from vaekit.models.latent import LatentModel
from vaekit.models.quantized import QuantizedConfig, QuantizedModel

__all__ = ["MODELS", "LatentConfig", "LatentModel", "QuantizedConfig", "QuantizedModel"]
