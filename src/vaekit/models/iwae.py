"""Importance-weighted autoencoder: the VAE's parts trained on the k-sample bound."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from vaekit.models.base import MODELS, LatentConfig
from vaekit.objectives import IWAEBound


@MODELS.register("iwae")
@dataclass
class IWAEConfig(LatentConfig):
    """IWAE (Burda et al. 2016): trains on the k-sample importance-weighted bound."""

    name: str = "iwae"
    k: int = 5

    def objective(self) -> nn.Module:
        return IWAEBound(k=self.k)
