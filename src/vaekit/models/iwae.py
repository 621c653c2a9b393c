"""Importance-weighted autoencoder: the VAE's parts trained on the k-sample bound."""

from __future__ import annotations

from dataclasses import dataclass

from vaekit.models.base import MODELS, LatentConfig, Spec


@MODELS.register("iwae")
@dataclass
class IWAEConfig(LatentConfig):
    """IWAE (Burda et al. 2016): trains on the k-sample importance-weighted bound."""

    name: str = "iwae"
    k: int = 5
    objective_fields = ("k",)

    def default_objective(self) -> list[Spec]:
        return [{"name": "iwae", "k": self.k}]
