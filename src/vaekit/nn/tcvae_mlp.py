"""The fully connected encoder and decoder of the β-TCVAE paper's dSprites experiments
(Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs", appendix): two ReLU
layers of 1200 units to encode, three tanh layers of 1200 units to decode."""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from vaekit.nn.registry import DECODERS, ENCODERS


@ENCODERS.register("tcvae_mlp")
class TCVAEEncoder(nn.Module):
    """Flatten, then Linear–ReLU twice (``hidden`` units): ``(B, *in_shape)`` → ``(B, hidden)``."""

    def __init__(self, in_shape: Sequence[int], hidden: int = 1200) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(math.prod(in_shape), hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
        )
        self.out_features = hidden

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


@DECODERS.register("tcvae_mlp")
class TCVAEDecoder(nn.Module):
    """Linear–tanh three times (``hidden`` units), then a linear map to the likelihood's
    parameters: ``(B, L)`` → ``(B, P, *out_shape)``."""

    def __init__(
        self, latent_dim: int, out_shape: Sequence[int], num_params: int = 1, hidden: int = 1200
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for width in (latent_dim, hidden, hidden):
            layers += [nn.Linear(width, hidden), nn.Tanh()]
        layers.append(nn.Linear(hidden, num_params * math.prod(out_shape)))
        self.net = nn.Sequential(*layers)
        self.shape = (num_params, *out_shape)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(z.shape[0], *self.shape)
