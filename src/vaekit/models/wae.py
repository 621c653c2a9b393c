"""Wasserstein autoencoders: a deterministic encoder, a reconstruction cost and a
divergence between the aggregate posterior and the prior, computed on batches.

Tolstikhin et al. 2018, "Wasserstein Auto-Encoders" (ICLR): minimising
E[c(x, G(Q(x)))] + λ·D(Q_Z, P_Z) over encoders Q bounds the optimal-transport distance
between the data and the model, for any divergence D. WAE-MMD takes D = MMD² with the
inverse-multiquadratic kernel (``mmd`` term), WAE-GAN a latent discriminator (the
``latent_adversary`` term, with its own optimizer), and the sliced-Wasserstein
autoencoder (Kolouri et al. 2019) the sliced Wasserstein distance (``swd`` term). The
cost c is the likelihood's −log p(x|z) (cross-entropy for Bernoulli data), where the
papers use ‖x − x̂‖²: λ balances against a cost summed over pixels, so its scale differs.
Sampling draws z from the prior; ``vaekit sample --sampler gmm`` fits the codes instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vaekit.models.base import MODELS, LatentConfig, Spec

# the bandwidth multipliers of the WAE authors' code: C = 2·d·σ²·s summed over s
WAE_SCALES = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]


@dataclass
class _WAEConfig(LatentConfig):
    latent_dim: int = 8
    posterior: Spec = "deterministic"
    lam: float = 10.0
    nonnegative = ("lam",)


@MODELS.register("wae_mmd")
@dataclass
class WAEMMDConfig(_WAEConfig):
    """WAE-MMD (Tolstikhin et al. 2018): recon + λ·MMD² (IMQ kernel, C = 2·d·σ²·s)."""

    name: str = "wae_mmd"
    scales: list[float] = field(default_factory=lambda: list(WAE_SCALES))
    objective_fields = ("lam", "scales")

    def default_objective(self) -> list[Spec]:
        return ["recon", {"name": "mmd", "weight": self.lam, "scales": list(self.scales)}]


@MODELS.register("wae_gan")
@dataclass
class WAEGANConfig(_WAEConfig):
    """WAE-GAN (Tolstikhin et al. 2018): recon + λ·(−log D(z)), D a latent discriminator."""

    name: str = "wae_gan"
    lam: float = 1.0
    objective_fields = ("lam",)

    def default_objective(self) -> list[Spec]:
        return ["recon", {"name": "latent_adversary", "weight": self.lam}]


@MODELS.register("swae")
@dataclass
class SWAEConfig(_WAEConfig):
    """Sliced-Wasserstein AE (Kolouri et al. 2019): recon + λ·SW₂² over L random projections."""

    name: str = "swae"
    projections: int = 50
    objective_fields = ("lam", "projections")

    def default_objective(self) -> list[Spec]:
        return ["recon", {"name": "swd", "weight": self.lam, "projections": self.projections}]
