"""The single-sample family: autoencoder, VAE, β-VAE, capacity-annealed β-VAE, conditional VAE."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from vaekit.models.base import MODELS, LatentConfig
from vaekit.objectives import ELBO, CapacityELBO, Reconstruction


@MODELS.register("ae")
@dataclass
class AEConfig(LatentConfig):
    """Deterministic autoencoder (baseline): point-mass code, reconstruction loss, no prior."""

    name: str = "ae"
    posterior: str = "deterministic"
    prior: None = None

    def objective(self) -> nn.Module:
        return Reconstruction()


@MODELS.register("vae")
@dataclass
class VAEConfig(LatentConfig):
    """Variational autoencoder (Kingma & Welling 2014): Gaussian posterior, N(0, I) prior, ELBO."""

    name: str = "vae"

    def objective(self) -> nn.Module:
        return ELBO(beta=1.0)


@MODELS.register("beta_vae")
@dataclass
class BetaVAEConfig(LatentConfig):
    """β-VAE (Higgins et al. 2017): the ELBO with the KL weighted by β."""

    name: str = "beta_vae"
    beta: float = 4.0

    def objective(self) -> nn.Module:
        return ELBO(beta=self.beta)


@MODELS.register("beta_vae_capacity")
@dataclass
class CapacityVAEConfig(LatentConfig):
    """β-VAE with capacity annealing (Burgess et al. 2018): γ·|KL − C|, C rising to c_max."""

    name: str = "beta_vae_capacity"
    gamma: float = 100.0
    c_max: float = 25.0
    c_steps: int = 10_000

    def objective(self) -> nn.Module:
        return CapacityELBO(gamma=self.gamma, c_max=self.c_max, c_steps=self.c_steps)


@MODELS.register("cvae")
@dataclass
class CVAEConfig(LatentConfig):
    """Conditional VAE (Sohn et al. 2015): encoder and decoder see the one-hot class label."""

    name: str = "cvae"
    conditional: bool = True

    def objective(self) -> nn.Module:
        return ELBO(beta=1.0)
