"""The 64×64 convolutional encoder and decoder of the disentanglement literature.

Four 4×4 stride-2 convolutions (32, 32, 64, 64 channels) and a 256-unit layer, ReLU
throughout, and the mirror image to decode: the networks of β-VAE and capacity annealing
(Higgins et al. 2017; Burgess et al. 2018) as disentanglement_lib runs them for every
model it compares (Locatello et al. 2019, Table 1). They take square images whose side
is a multiple of 16 (64 → 4 after four halvings).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from vaekit.nn.registry import DECODERS, ENCODERS
from vaekit.nn.spatial import square_image

CHANNELS = (32, 32, 64, 64)


def _side(shape: Sequence[int], network: str) -> tuple[int, int]:
    """``(C, H / 16)`` of a square image whose side is a multiple of 16."""
    c, size = square_image(shape, network)
    if size % 16:
        raise ValueError(f"{network} needs an image side that is a multiple of 16, got {size}")
    return c, size // 16


@ENCODERS.register("burgess")
class BurgessEncoder(nn.Module):
    """Four 4×4 stride-2 convolutions (``channels``), then ``features`` ReLU units:
    ``(B, C, H, W)`` → ``(B, F)``."""

    def __init__(
        self, in_shape: Sequence[int], channels: Sequence[int] = CHANNELS, features: int = 256
    ) -> None:
        super().__init__()
        if len(channels) != 4:
            raise ValueError(f"burgess has four convolutions, got channels {list(channels)}")
        c, side = _side(in_shape, "burgess")
        layers: list[nn.Module] = []
        for w_in, w_out in zip([c, *channels[:-1]], channels, strict=True):
            layers += [nn.Conv2d(w_in, w_out, 4, stride=2, padding=1), nn.ReLU()]
        layers += [nn.Flatten(), nn.Linear(channels[-1] * side**2, features), nn.ReLU()]
        self.net = nn.Sequential(*layers)
        self.out_features = features

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


@DECODERS.register("burgess")
class BurgessDecoder(nn.Module):
    """ReLU layers of ``features`` and 64·(H/16)² units, then transposed conv 4×4/2 ×4
    (``channels`` reversed, last: the likelihood's parameters): ``(B, L)`` → ``(B, P, C, H, W)``."""

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        num_params: int = 1,
        channels: Sequence[int] = CHANNELS,
        features: int = 256,
    ) -> None:
        super().__init__()
        if len(channels) != 4:
            raise ValueError(f"burgess has four convolutions, got channels {list(channels)}")
        c, side = _side(out_shape, "burgess")
        widths = list(channels)[::-1]
        self.start = (widths[0], side, side)
        self.shape = (num_params, *out_shape)
        layers: list[nn.Module] = [
            nn.Linear(latent_dim, features),
            nn.ReLU(),
            nn.Linear(features, widths[0] * side**2),
            nn.ReLU(),
            nn.Unflatten(1, self.start),
        ]
        for w_in, w_out in zip(widths, [*widths[1:], num_params * c], strict=True):
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, stride=2, padding=1), nn.ReLU()]
        self.net = nn.Sequential(*layers[:-1])  # no activation on the parameters

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(z.shape[0], *self.shape)
