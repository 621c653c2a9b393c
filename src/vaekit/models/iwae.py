"""Importance-weighted autoencoders: the VAE's parts trained on k-sample bounds."""

from __future__ import annotations

from dataclasses import dataclass

from vaekit.models.base import MODELS, LatentConfig, Spec


@MODELS.register("iwae")
@dataclass
class IWAEConfig(LatentConfig):
    """IWAE (Burda et al. 2016): trains on the k-sample importance-weighted bound."""

    name: str = "iwae"
    k: int = 5
    dreg: bool = False
    objective_fields = ("k", "dreg")

    def default_objective(self) -> list[Spec]:
        return [{"name": "iwae", "k": self.k, "dreg": self.dreg}]


@MODELS.register("miwae")
@dataclass
class MIWAEConfig(LatentConfig):
    """MIWAE (Rainforth et al. 2018): the mean of m independent k-sample IWAE bounds."""

    name: str = "miwae"
    m: int = 4
    k: int = 4
    objective_fields = ("m", "k")

    def default_objective(self) -> list[Spec]:
        return [{"name": "miwae", "m": self.m, "k": self.k}]


@MODELS.register("piwae")
@dataclass
class PIWAEConfig(LatentConfig):
    """PIWAE (Rainforth et al. 2018): decoder on IWAE(m·k), encoder on MIWAE(m, k)."""

    name: str = "piwae"
    m: int = 4
    k: int = 4
    objective_fields = ("m", "k")

    def default_objective(self) -> list[Spec]:
        return [{"name": "piwae", "m": self.m, "k": self.k}]


@MODELS.register("ciwae")
@dataclass
class CIWAEConfig(LatentConfig):
    """CIWAE (Rainforth et al. 2018): β·ELBO + (1 − β)·IWAE on the same k samples."""

    name: str = "ciwae"
    k: int = 5
    beta: float = 0.5
    objective_fields = ("k", "beta")

    def default_objective(self) -> list[Spec]:
        return [{"name": "ciwae", "k": self.k, "beta": self.beta}]
