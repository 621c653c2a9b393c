"""Shape arithmetic shared by the convolutional networks: square-image checks, the
sizes of repeated stride-2 halving, and the transposed convolution that undoes one."""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import nn


def square_image(shape: Sequence[int], network: str, hint: str = "") -> tuple[int, int]:
    """``(C, H, W)`` with ``H == W`` → ``(C, H)``; otherwise a ValueError naming ``network``."""
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"{network} needs square (C, H, W) inputs, got shape {tuple(shape)}{hint}")
    return shape[0], shape[1]


def halvings(size: int, stages: int | None = None) -> list[int]:
    """Sizes after each stride-2 stage (ceil-halving), starting with ``size``.

    ``stages`` halvings, or (``None``) as many as bring the size to at most 4:
    ``halvings(28, 2) == [28, 14, 7]``, ``halvings(28) == [28, 14, 7, 4]``.
    """
    sizes = [size]
    while (len(sizes) <= stages) if stages is not None else (sizes[-1] > 4):
        sizes.append(math.ceil(sizes[-1] / 2))
    return sizes


def up_conv(c_in: int, c_out: int, size_in: int, size_out: int) -> nn.ConvTranspose2d:
    """A stride-2 3×3 transposed convolution from ``size_in`` to ``size_out`` (2·in or 2·in − 1)."""
    overshoot = 2 * size_in - size_out  # 1 when doubling overshoots (4 → 7)
    if overshoot not in (0, 1):
        raise ValueError(f"cannot upsample {size_in} to {size_out} in one stride-2 step")
    return nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1 - overshoot)
