"""Networks that keep a grid of latent vectors, for quantized models.

A grid encoder maps ``(B, *in_shape)`` to ``(B, *grid, latent_dim)`` (channels last,
as quantizers expect) and exposes ``grid`` and ``out_features = latent_dim``; a grid
decoder maps ``(B, *grid, latent_dim)`` to likelihood parameters ``(B, P, *out_shape)``.
``conv_grid`` halves square images ``stages`` times with stride-2 convolutions
(28 → 7, 64 → 16 and 8 → 2 with the default 2 stages); ``mlp_grid`` turns flat data
into a few vectors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from vaekit.nn.mlp import mlp
from vaekit.nn.registry import DECODERS, ENCODERS
from vaekit.nn.spatial import halvings, square_image, up_conv

_FLAT_HINT = "; for flat data use model.encoder=mlp_grid and model.decoder=mlp_grid"


class ResBlock(nn.Module):
    """``x + conv1×1(SiLU(conv3×3(SiLU(x))))`` at constant width (van den Oord et al. 2017)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.SiLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.SiLU(),
            nn.Conv2d(channels, channels, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.net(x)


@ENCODERS.register("conv_grid")
class ConvGridEncoder(nn.Module):
    """Stride-2 convolutions and residual blocks: ``(B, C, H, W)`` → ``(B, h, w, latent_dim)``."""

    def __init__(
        self,
        in_shape: Sequence[int],
        latent_dim: int,
        channels: int = 64,
        stages: int = 2,
        res_blocks: int = 1,
    ) -> None:
        super().__init__()
        c, size = square_image(in_shape, "conv_grid", _FLAT_HINT)
        if stages < 1:
            raise ValueError(f"conv_grid needs stages >= 1, got {stages}")
        layers: list[nn.Module] = []
        for i in range(stages):
            layers += [nn.Conv2d(c if i == 0 else channels, channels, 3, 2, 1), nn.SiLU()]
        layers += [ResBlock(channels) for _ in range(res_blocks)]
        layers += [nn.SiLU(), nn.Conv2d(channels, latent_dim, 1)]
        self.net = nn.Sequential(*layers)
        side = halvings(size, stages)[-1]
        self.grid = (side, side)
        self.out_features = latent_dim

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).permute(0, 2, 3, 1)


@DECODERS.register("conv_grid")
class ConvGridDecoder(nn.Module):
    """Residual blocks and stride-2 transposed convolutions from the grid up to ``out_shape``."""

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        grid: Sequence[int],
        num_params: int = 1,
        channels: int = 64,
        res_blocks: int = 1,
    ) -> None:
        super().__init__()
        c, size = square_image(out_shape, "conv_grid", _FLAT_HINT)
        sizes = [size]
        while sizes[-1] > grid[0]:
            sizes.append(math.ceil(sizes[-1] / 2))
        if len(grid) != 2 or sizes[-1] != grid[0] or len(sizes) < 2:
            raise ValueError(f"conv_grid cannot decode a {tuple(grid)} grid to {size}×{size}")
        sizes = sizes[::-1]
        layers: list[nn.Module] = [nn.Conv2d(latent_dim, channels, 3, padding=1)]
        layers += [ResBlock(channels) for _ in range(res_blocks)]
        for i in range(len(sizes) - 1):
            last = i == len(sizes) - 2
            out = num_params * c if last else channels
            layers += [nn.SiLU(), up_conv(channels, out, sizes[i], sizes[i + 1])]
        self.net = nn.Sequential(*layers)
        self.shape = (num_params, c, size, size)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z.permute(0, 3, 1, 2)).reshape(z.shape[0], *self.shape)


@ENCODERS.register("mlp_grid")
class MLPGridEncoder(nn.Module):
    """Flatten, SiLU MLP, then ``vectors`` latent vectors: ``(B, *in_shape)`` → ``(B, n, D)``."""

    def __init__(
        self,
        in_shape: Sequence[int],
        latent_dim: int,
        vectors: int = 4,
        hidden: Sequence[int] = (256,),
    ) -> None:
        super().__init__()
        if vectors < 1:
            raise ValueError(f"mlp_grid needs vectors >= 1, got {vectors}")
        self.net = mlp([math.prod(in_shape), *hidden, vectors * latent_dim], activate_last=False)
        self.grid = (vectors,)
        self.out_features = latent_dim

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.flatten(1)).view(x.shape[0], *self.grid, self.out_features)


@DECODERS.register("mlp_grid")
class MLPGridDecoder(nn.Module):
    """Flatten the vectors, then a SiLU MLP: ``(B, n, D)`` → ``(B, P, *out_shape)``."""

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        grid: Sequence[int],
        num_params: int = 1,
        hidden: Sequence[int] = (256,),
    ) -> None:
        super().__init__()
        sizes = [math.prod(grid) * latent_dim, *hidden, num_params * math.prod(out_shape)]
        self.net = mlp(sizes, activate_last=False)
        self.shape = (num_params, *out_shape)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z.flatten(1)).view(z.shape[0], *self.shape)
