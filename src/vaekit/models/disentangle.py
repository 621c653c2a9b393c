"""Disentangling models: the VAE's parts with one objective each (see docs/disentanglement.md).

β-TCVAE reuses the ``tc`` term (shared with ``vaekit diagnose``'s ELBO surgery), InfoVAE
the ``mmd`` term; FactorVAE adds the ``factor_tc`` term (a discriminator with its own
optimizer), DIP-VAE the ``dip`` term, and JointVAE the ``joint`` posterior and prior with
the ``joint_capacity`` term. Defaults are the papers' dSprites settings; networks and data
are in ``configs/dsprites/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vaekit.models.base import MODELS, LatentConfig, Spec
from vaekit.registry import ConfigError


@MODELS.register("beta_tcvae")
@dataclass
class BetaTCVAEConfig(LatentConfig):
    """β-TCVAE (Chen et al. 2018): the KL split into α·MI + β·TC + γ·dimension-wise KL."""

    name: str = "beta_tcvae"
    alpha: float = 1.0
    beta: float = 6.0
    gamma: float = 1.0
    estimator: str = "mss"
    objective_fields = ("alpha", "beta", "gamma", "estimator")
    nonnegative = ("alpha", "beta", "gamma")

    def default_objective(self) -> list[Spec]:
        tc = {"alpha": self.alpha, "beta": self.beta, "gamma": self.gamma}
        return ["recon", {"name": "tc", **tc, "estimator": self.estimator}]


@MODELS.register("factor_vae")
@dataclass
class FactorVAEConfig(LatentConfig):
    """FactorVAE (Kim & Mnih 2018): ELBO + γ·TC, the TC from a discriminator of its own."""

    name: str = "factor_vae"
    gamma: float = 35.0
    disc_hidden: list[int] = field(default_factory=lambda: [1000] * 6)
    objective_fields = ("gamma", "disc_hidden")
    nonnegative = ("gamma",)

    def default_objective(self) -> list[Spec]:
        factor = {"name": "factor_tc", "weight": self.gamma, "hidden": list(self.disc_hidden)}
        return ["recon", "kl", factor]


def _dip(kind: str, lambda_od: float, lambda_d: float) -> list[Spec]:
    return [
        "recon",
        "kl",
        {"name": "dip", "kind": kind, "lambda_od": lambda_od, "lambda_d": lambda_d},
    ]


@MODELS.register("dip_vae_i")
@dataclass
class DIPVAEIConfig(LatentConfig):
    """DIP-VAE-I (Kumar et al. 2018): ELBO + the covariance of the posterior means pushed to I."""

    name: str = "dip_vae_i"
    lambda_od: float = 10.0
    lambda_d: float = 100.0
    objective_fields = ("lambda_od", "lambda_d")
    nonnegative = ("lambda_od", "lambda_d")

    def default_objective(self) -> list[Spec]:
        return _dip("i", self.lambda_od, self.lambda_d)


@MODELS.register("dip_vae_ii")
@dataclass
class DIPVAEIIConfig(LatentConfig):
    """DIP-VAE-II (Kumar et al. 2018): ELBO + the aggregate posterior's covariance pushed to I."""

    name: str = "dip_vae_ii"
    lambda_od: float = 10.0
    lambda_d: float = 10.0
    objective_fields = ("lambda_od", "lambda_d")
    nonnegative = ("lambda_od", "lambda_d")

    def default_objective(self) -> list[Spec]:
        return _dip("ii", self.lambda_od, self.lambda_d)


@MODELS.register("info_vae")
@dataclass
class InfoVAEConfig(LatentConfig):
    """InfoVAE (Zhao et al. 2019): recon + (1 − α)·KL + (α + λ − 1)·MMD(q(z), p(z))."""

    name: str = "info_vae"
    alpha: float = 0.0
    lambda_: float = 1000.0
    kernel: str = "rbf"
    objective_fields = ("alpha", "lambda_", "kernel")

    def default_objective(self) -> list[Spec]:
        kl_weight, mmd_weight = 1.0 - self.alpha, self.alpha + self.lambda_ - 1.0
        if kl_weight < 0:
            raise ConfigError(
                f"model.alpha must be <= 1 (the KL's weight is 1 − α), got {self.alpha}"
            )
        if mmd_weight < 0:
            raise ConfigError(
                "model.alpha + model.lambda_ must be >= 1 (the MMD's weight is α + λ − 1), "
                f"got {self.alpha} + {self.lambda_}"
            )
        return [
            "recon",
            {"name": "kl", "weight": kl_weight},
            {"name": "mmd", "weight": mmd_weight, "kernel": self.kernel},
        ]


@MODELS.register("joint_vae")
@dataclass
class JointVAEConfig(LatentConfig):
    """JointVAE (Dupont 2018): Gaussian + Gumbel-softmax categorical latents, two capacities."""

    name: str = "joint_vae"
    latent_dim: int = 9
    posterior: Spec = field(
        default_factory=lambda: {"name": "joint", "discrete": [3], "temperature": 0.67}
    )
    prior: Spec | None = field(default_factory=lambda: {"name": "joint", "discrete": [3]})
    cont_gamma: float = 150.0
    cont_c_max: float = 40.0
    cont_c_steps: int = 300_000
    disc_gamma: float = 150.0
    disc_c_max: float = 1.1
    disc_c_steps: int = 300_000
    temperature_start: float = 1.0
    temperature_steps: int = 10_000
    objective_fields = (
        "cont_gamma",
        "cont_c_max",
        "cont_c_steps",
        "disc_gamma",
        "disc_c_max",
        "disc_c_steps",
        "temperature_start",
        "temperature_steps",
    )
    nonnegative = ("cont_gamma", "cont_c_max", "disc_gamma", "disc_c_max")

    def default_objective(self) -> list[Spec]:
        return [
            {"name": "joint_capacity", **{k: getattr(self, k) for k in self.objective_fields}},
            "recon",
        ]
