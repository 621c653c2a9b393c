"""dSprites, generated here rather than downloaded: a fully specified, deterministic
version of DeepMind's disentanglement dataset (Matthey et al., 2017).

737,280 binary 64×64 images: 3 shapes (square, ellipse, heart) × 6 scales
``linspace(0.5, 1, 6)`` × 40 orientations ``linspace(0, 2π, 40, endpoint=False)``
× 32 x-positions × 32 y-positions ``linspace(0, 1, 32)``. Factors and indices
follow the original file (its constant colour factor left out): ``shape, scale,
orientation, pos_x, pos_y`` with ``pos_y`` varying fastest, so
``index = (((shape·6 + scale)·40 + orientation)·32 + pos_x)·32 + pos_y``.

An image is a sprite from :func:`~vaekit.data.sprites.sprite_bank` (see there
for how shapes are drawn) pasted with its centre on pixel ``(16 + pos_y, 16 +
pos_x)`` (row, column): x grows to the right, y downwards as displayed, and
every shape stays whole inside the canvas. "Exact" means deterministic and fully
specified; the pixels are not identical to DeepMind's file.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

from vaekit.data.base import DATASETS, ArrayDataset, DataError, RawData
from vaekit.data.sprites import HALF, ORIENTATIONS, SCALES, sprite_bank
from vaekit.registry import ConfigError

POSITIONS = np.linspace(0.0, 1.0, 32)
SIZE = 64  # image side in pixels


class DSprites:
    """The dSprites factor space and renderer (a :class:`vaekit.types.FactorDataset`).

    Renders any set of factor vectors on demand, so metrics can draw images
    from chosen factors without holding all 737,280 images.
    """

    factor_names: tuple[str, ...] = ("shape", "scale", "orientation", "pos_x", "pos_y")
    factor_sizes: tuple[int, ...] = (3, 6, 40, 32, 32)

    def __len__(self) -> int:
        return int(np.prod(self.factor_sizes))

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` factor vectors drawn uniformly, ``(n, 5)`` int64."""
        return np.stack([rng.integers(0, k, size=n) for k in self.factor_sizes], axis=1)

    def index_to_factors(self, indices: np.ndarray) -> np.ndarray:
        """Integer factors ``(n, 5)`` of image indices ``(n,)`` in ``0 .. 737279``."""
        indices = np.asarray(indices)
        if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
            raise DataError(f"expected integer indices of shape (n,), got {indices.shape}")
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise DataError(
                f"dSprites indices must be in 0..{len(self) - 1}, "
                f"got values in {indices.min()}..{indices.max()}"
            )
        return np.stack(np.unravel_index(indices, self.factor_sizes), axis=1).astype(np.int64)

    def factors_to_index(self, factors: np.ndarray) -> np.ndarray:
        """Image indices ``(n,)`` of integer factors ``(n, 5)``."""
        f = self._check(factors)
        return np.ravel_multi_index(tuple(f.T), self.factor_sizes).astype(np.int64)

    def factor_values(self, factors: np.ndarray) -> np.ndarray:
        """Real factor values ``(n, 5)`` float64: shape class 0..2, scale, radians, x, y."""
        f = self._check(factors)
        values = (np.arange(3.0), SCALES, ORIENTATIONS, POSITIONS, POSITIONS)
        return np.stack([v[f[:, k]] for k, v in enumerate(values)], axis=1)

    def render(self, factors: np.ndarray) -> np.ndarray:
        """Images of integer ``factors`` ``(n, 5)`` → ``(n, 1, 64, 64)`` uint8 zeros and ones."""
        f = self._check(factors)
        out = np.zeros((len(f), SIZE, SIZE), np.uint8)
        side = 2 * HALF + 1
        # windows[i, r, c] is the side×side patch of image i whose corner is (r, c);
        # the sprite centred on pixel 16 + p has its corner at p.
        windows = sliding_window_view(out, (side, side), axis=(1, 2), writeable=True)
        windows[np.arange(len(f)), f[:, 4], f[:, 3]] = sprite_bank()[f[:, 0], f[:, 1], f[:, 2]]
        return out[:, None]

    def images_from_factors(self, factors: np.ndarray) -> np.ndarray:
        """Images of integer ``factors`` ``(n, 5)`` → ``(n, 1, 64, 64)`` float32 in {0, 1}."""
        return self.render(factors).astype(np.float32)

    def images(self, indices: np.ndarray) -> np.ndarray:
        """Images at dataset ``indices`` ``(n,)`` → ``(n, 1, 64, 64)`` float32."""
        return self.images_from_factors(self.index_to_factors(indices))

    def _check(self, factors: np.ndarray) -> np.ndarray:
        f = np.asarray(factors)
        k = len(self.factor_sizes)
        if f.ndim != 2 or f.shape[1] != k or not np.issubdtype(f.dtype, np.integer):
            raise DataError(f"expected integer factors of shape (n, {k}), got {f.dtype} {f.shape}")
        for j, (name, size) in enumerate(zip(self.factor_names, self.factor_sizes, strict=True)):
            if f.size and (f[:, j].min() < 0 or f[:, j].max() >= size):
                raise DataError(
                    f"factor {name!r} must be in 0..{size - 1}, "
                    f"got values in {f[:, j].min()}..{f[:, j].max()}"
                )
        return f.astype(np.int64, copy=False)


@DATASETS.register("dsprites")
def dsprites(n: int = 20_000, seed: int = 0) -> RawData:
    """dSprites, generated: 64×64 binary shapes, 5 factors; option n = images kept (20000).

    The ``n`` distinct images are drawn with ``seed`` (default: ``data.split_seed``);
    labels are the shape, and ``factor_source`` renders any other factors.
    """
    source = DSprites()
    if not 1 <= n <= len(source):
        raise ConfigError(f"dsprites option n must be between 1 and {len(source)}, got {n}")
    indices = np.random.default_rng(seed).choice(len(source), size=n, replace=False)
    factors = source.index_to_factors(indices)
    data = ArrayDataset(
        x=torch.from_numpy(source.render(factors)),
        y=torch.from_numpy(factors[:, 0].copy()),
        factors=torch.from_numpy(factors),
    )
    return RawData(data, factor_source=source)
