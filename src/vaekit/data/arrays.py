"""Numpy arrays from user files turned into an :class:`ArrayDataset`, with one set of rules.

Examples may be ``(N, C, H, W)``, ``(N, H, W)`` (one channel added) or
``(N, D)``. 8-bit data (``uint8``, or integers in 0..255) is stored as uint8
with scale 1/255, except that data holding only 0 and 1 (or booleans) is read
as binary with scale 1. Floats are kept as float32 values, not rescaled.
Labels are non-negative integers, one per example.
"""

from __future__ import annotations

import numpy as np
import torch

from vaekit.data.base import ArrayDataset, DataError, shape_str


def dataset_from_arrays(x: np.ndarray, y: np.ndarray | None, where: str) -> ArrayDataset:
    """Examples ``x`` and optional labels ``y`` read from ``where`` (named in errors)."""
    if x.ndim not in (2, 3, 4):
        raise DataError(
            f"expected an array of shape (N, C, H, W), (N, H, W) or (N, D) in {where}, "
            f"got {shape_str(x.shape)}"
        )
    if x.shape[0] == 0:
        raise DataError(f"{where} holds no examples")
    if x.ndim == 3:
        x = x[:, None]
    stored, scale = _examples(x, where)
    labels = None if y is None else torch.from_numpy(_labels(y, len(x), where))
    return ArrayDataset(torch.from_numpy(stored), labels, scale=scale)


def _examples(x: np.ndarray, where: str) -> tuple[np.ndarray, float]:
    """``x`` as compact storage (uint8 or float32) and the scale giving its values."""
    if x.dtype == np.bool_:
        return x.astype(np.uint8), 1.0
    if np.issubdtype(x.dtype, np.integer):
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi > 255:
            raise DataError(
                f"integer examples must be 8-bit values 0..255, got {lo}..{hi} in {where}"
            )
        return np.require(x, np.uint8, ["C", "W"]), 1.0 if hi <= 1 else 1 / 255
    if np.issubdtype(x.dtype, np.floating):
        if not np.isfinite(x).all():
            raise DataError(f"{where} holds NaN or infinite values")
        return np.require(x, np.float32, ["C", "W"]), 1.0
    raise DataError(f"expected numeric examples in {where}, got dtype {x.dtype}")


def _labels(y: np.ndarray, n: int, where: str) -> np.ndarray:
    """``y`` checked to be ``n`` non-negative integer labels, as int64."""
    if y.shape != (n,):
        raise DataError(f"expected labels of shape ({n},) in {where}, got {shape_str(y.shape)}")
    is_number = np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)
    if not is_number or not np.array_equal(y, np.round(y)) or (n and y.min() < 0):
        raise DataError(f"labels in {where} must be non-negative integers")
    return y.astype(np.int64)
