"""The quantized family: VQ-VAE and its modern variants, each a default quantizer spec.

Every name is the same :class:`QuantizedModel`; any quantizer is reachable from any
of them with ``--set model.quantizer.name=...`` (see ``docs/quantizers.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vaekit.models.base import MODELS, Spec
from vaekit.models.quantized import QuantizedConfig


@MODELS.register("vqvae")
@dataclass
class VQVAEConfig(QuantizedConfig):
    """VQ-VAE (van den Oord et al. 2017): VQ with straight-through gradients, β = 0.25."""

    name: str = "vqvae"


@MODELS.register("vqvae_ema")
@dataclass
class VQVAEEMAConfig(QuantizedConfig):
    """VQ-VAE with an EMA codebook and dead-code re-seeding (Razavi et al. 2019; Jukebox)."""

    name: str = "vqvae_ema"
    quantizer: Spec = field(
        default_factory=lambda: {"name": "vq", "update": "ema", "reseed_dead": True}
    )


@MODELS.register("vqvae_rotation")
@dataclass
class VQVAERotationConfig(QuantizedConfig):
    """VQ-VAE trained through the rotation trick instead of straight-through (Fifty et al. 2024).

    Codes start small, ``U(−1/K, 1/K)``, as in the paper: from ``N(0, I)`` codes the rotation
    trick collapses the codebook (issue 13; ``docs/quantizers.md``).
    """

    name: str = "vqvae_rotation"
    quantizer: Spec = "rotation_vq"


@MODELS.register("cvq_vae")
@dataclass
class CVQVAEConfig(QuantizedConfig):
    """VQ-VAE with an online clustered codebook, CVQ (Zheng & Vedaldi 2023)."""

    name: str = "cvq_vae"
    quantizer: Spec = "cvq"


@MODELS.register("simvq_vae")
@dataclass
class SimVQVAEConfig(QuantizedConfig):
    """SimVQ (Zhu et al. 2024): VQ-VAE with codes = frozen random basis × one learned linear map."""

    name: str = "simvq_vae"
    quantizer: Spec = "simvq"


@MODELS.register("rvq_vae")
@dataclass
class RVQVAEConfig(QuantizedConfig):
    """Residual VQ autoencoder: 4 stages quantize successive residuals (SoundStream, RQ-VAE)."""

    name: str = "rvq_vae"
    quantizer: Spec = "residual_vq"


@MODELS.register("grouped_vq_vae")
@dataclass
class GroupedVQVAEConfig(QuantizedConfig):
    """Grouped (product) VQ autoencoder: each half of a latent vector has its own codebook."""

    name: str = "grouped_vq_vae"
    quantizer: Spec = "grouped_vq"


@MODELS.register("fsq_vae")
@dataclass
class FSQVAEConfig(QuantizedConfig):
    """FSQ autoencoder (Mentzer et al. 2023): levels [8, 5, 5, 5], 1,000 implicit codes."""

    name: str = "fsq_vae"
    quantizer: Spec = "fsq"


@MODELS.register("lfq_vae")
@dataclass
class LFQVAEConfig(QuantizedConfig):
    """LFQ autoencoder (Yu et al. 2023, MAGVIT-v2): binary codes, 2^9 = 512, entropy penalty."""

    name: str = "lfq_vae"
    quantizer: Spec = field(default_factory=lambda: {"name": "lfq", "codebook_size": 512})
