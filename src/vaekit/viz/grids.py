"""Image grids written as PNG (atomic), for samples and reconstructions."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image
from torch import Tensor

from vaekit.files import atomic_write


def image_grid(images: Tensor | np.ndarray, ncol: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile ``(N, C, H, W)`` images in [0, 1] into one ``(H', W', C)`` uint8 array.

    Flat ``(N, D)`` data whose D is a square is shown as ``sqrt(D) × sqrt(D)`` images.
    """
    arr = images.detach().float().cpu().numpy() if isinstance(images, Tensor) else images
    arr = np.asarray(arr, dtype=np.float32)
    if arr.ndim == 2:
        side = math.isqrt(arr.shape[1])
        if side * side != arr.shape[1]:
            raise ValueError(f"cannot show flat data of width {arr.shape[1]} as images")
        arr = arr.reshape(-1, 1, side, side)
    if arr.ndim != 4:
        raise ValueError(f"expected images (N, C, H, W), got shape {arr.shape}")
    n, c, h, w = arr.shape
    if n == 0:
        raise ValueError("no images to tile")
    ncol = ncol or math.ceil(math.sqrt(n))
    nrow = math.ceil(n / ncol)
    grid = np.ones((nrow * (h + pad) + pad, ncol * (w + pad) + pad, c), dtype=np.float32)
    for i in range(n):
        r, col = divmod(i, ncol)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top : top + h, left : left + w] = arr[i].transpose(1, 2, 0)
    return (np.clip(grid, 0, 1) * 255).round().astype(np.uint8)


def save_grid(
    images: Tensor | np.ndarray, path: Path, ncol: int | None = None, scale: int = 3
) -> Path:
    """Save an image grid as PNG, upscaled ``scale``× with nearest neighbour for visibility."""
    grid = image_grid(images, ncol)
    img = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    atomic_write(Path(path), lambda f: f.write(buf.getvalue()))
    return Path(path)
