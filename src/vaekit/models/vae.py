"""The single-sample family: autoencoder, VAE, β-VAE, capacity-annealed β-VAE, conditional VAE."""

from __future__ import annotations

from dataclasses import dataclass

from vaekit.models.base import MODELS, LatentConfig, Spec


@MODELS.register("ae")
@dataclass
class AEConfig(LatentConfig):
    """Deterministic autoencoder (baseline): point-mass code, reconstruction loss, no prior."""

    name: str = "ae"
    posterior: str = "deterministic"
    prior: None = None

    def default_objective(self) -> list[Spec]:
        return ["recon"]


@MODELS.register("vae")
@dataclass
class VAEConfig(LatentConfig):
    """Variational autoencoder (Kingma & Welling 2014): Gaussian posterior, N(0, I) prior, ELBO."""

    name: str = "vae"

    def default_objective(self) -> list[Spec]:
        return ["recon", "kl"]


@MODELS.register("beta_vae")
@dataclass
class BetaVAEConfig(LatentConfig):
    """β-VAE (Higgins et al. 2017): the ELBO with the KL weighted by β."""

    name: str = "beta_vae"
    beta: float = 4.0
    objective_fields = ("beta",)
    nonnegative = ("beta",)

    def default_objective(self) -> list[Spec]:
        return ["recon", {"name": "kl", "weight": self.beta}]


@MODELS.register("beta_vae_capacity")
@dataclass
class CapacityVAEConfig(LatentConfig):
    """β-VAE with capacity annealing (Burgess et al. 2018): γ·|KL − C|, C rising to c_max."""

    name: str = "beta_vae_capacity"
    gamma: float = 100.0
    c_max: float = 25.0
    c_steps: int = 10_000
    objective_fields = ("gamma", "c_max", "c_steps")
    nonnegative = ("gamma", "c_max")

    def default_objective(self) -> list[Spec]:
        return [
            "recon",
            {
                "name": "capacity",
                "weight": self.gamma,
                "c_max": self.c_max,
                "c_steps": self.c_steps,
            },
        ]


@MODELS.register("cvae")
@dataclass
class CVAEConfig(LatentConfig):
    """Conditional VAE (Sohn et al. 2015): encoder and decoder see the one-hot class label."""

    name: str = "cvae"
    conditional: bool = True

    def default_objective(self) -> list[Spec]:
        return ["recon", "kl"]
