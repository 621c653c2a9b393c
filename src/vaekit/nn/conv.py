"""Convolutional encoders and decoders for square images of any channel count.

Each stage halves (encoder) or doubles (decoder) the spatial size with a stride-2
convolution, so 8×8, 28×28 and 64×64 inputs share one definition: the number of
stages is chosen so the smallest feature map is at most 4×4 (28 → 14 → 7 → 4,
decoded with output padding/cropping back to 28).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from vaekit.nn.registry import DECODERS, ENCODERS
from vaekit.nn.spatial import halvings, square_image, up_conv


def _widths(stages: int, channels: int) -> list[int]:
    return [min(channels * 2**i, 8 * channels) for i in range(stages)]


@ENCODERS.register("conv")
class ConvEncoder(nn.Module):
    """Stride-2 3×3 convolutions with SiLU, then a linear layer: ``(B,C,H,W)`` → ``(B, F)``."""

    def __init__(self, in_shape: Sequence[int], channels: int = 32, features: int = 256) -> None:
        super().__init__()
        c, size = square_image(in_shape, "conv")
        sizes = halvings(size)
        widths = _widths(len(sizes) - 1, channels)
        layers: list[nn.Module] = []
        for w_in, w_out in zip([c, *widths[:-1]], widths, strict=True):
            layers += [nn.Conv2d(w_in, w_out, 3, stride=2, padding=1), nn.SiLU()]
        final = widths[-1] if widths else c
        layers += [nn.Flatten(), nn.Linear(final * sizes[-1] ** 2, features), nn.SiLU()]
        self.net = nn.Sequential(*layers)
        self.out_features = features

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


@DECODERS.register("conv")
class ConvDecoder(nn.Module):
    """Linear layer to a ≤4×4 map, then stride-2 transposed convolutions up to ``out_shape``."""

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        num_params: int = 1,
        channels: int = 32,
        features: int = 256,
    ) -> None:
        super().__init__()
        c, size = square_image(out_shape, "conv")
        sizes = halvings(size)[::-1]
        widths = _widths(len(sizes) - 1, channels)[::-1]
        self.shape = (num_params, c, size, size)
        first = widths[0] if widths else num_params * c
        self.stem = nn.Sequential(
            nn.Linear(latent_dim, features),
            nn.SiLU(),
            nn.Linear(features, first * sizes[0] ** 2),
            nn.SiLU(),
        )
        self.start = (first, sizes[0], sizes[0])
        layers: list[nn.Module] = []
        outs = [*widths[1:], num_params * c]
        for i, (w_in, w_out) in enumerate(zip(widths, outs, strict=True)):
            layers.append(up_conv(w_in, w_out, sizes[i], sizes[i + 1]))
            if i < len(widths) - 1:
                layers.append(nn.SiLU())
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        h = self.stem(z).view(z.shape[0], *self.start)
        return self.net(h).view(z.shape[0], *self.shape)
