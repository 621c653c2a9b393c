"""Numpy arrays from user files turned into an :class:`ArrayDataset`, with one set of rules.

Examples may be ``(N, C, H, W)``, ``(N, H, W)`` (one channel added) or
``(N, D)``. 8-bit data (``uint8``, or integers in 0..255) is stored as uint8
with scale 1/255, except that data holding only 0 and 1 (or booleans) is read
as binary with scale 1. Floats are kept as float32 values, not rescaled.
Labels are non-negative integers, one per example. Extras are per-example numeric
or boolean arrays kept as they are. The memory-mapped source
(:mod:`vaekit.data.npy_mmap`) applies the same rules through :func:`check_shape`,
:func:`check_dtype` and :func:`scale_for`.
"""

from __future__ import annotations

import numpy as np
import torch

from vaekit.data.base import ArrayDataset, DataError, shape_str


def dataset_from_arrays(
    x: np.ndarray,
    y: np.ndarray | None,
    where: str,
    extras: dict[str, np.ndarray] | None = None,
) -> ArrayDataset:
    """Examples ``x``, optional labels ``y`` and ``extras`` from ``where`` (named in errors)."""
    check_shape(x.shape, where)
    if x.ndim == 3:
        x = x[:, None]
    stored, scale = _examples(x, where)
    labels = None if y is None else torch.from_numpy(labels_of(y, len(x), where))
    kept = {name: _extra(name, value, where) for name, value in (extras or {}).items()}
    return ArrayDataset(torch.from_numpy(stored), labels, scale=scale, extras=kept)


def check_shape(shape: tuple[int, ...], where: str) -> None:
    """Raise unless ``shape`` is ``(N, C, H, W)``, ``(N, H, W)`` or ``(N, D)`` with N > 0."""
    if len(shape) not in (2, 3, 4):
        raise DataError(
            f"expected an array of shape (N, C, H, W), (N, H, W) or (N, D) in {where}, "
            f"got {shape_str(shape)}"
        )
    if shape[0] == 0:
        raise DataError(f"{where} holds no examples")


def check_dtype(dtype: np.dtype, where: str) -> None:
    """Raise unless examples of ``dtype`` can be read (booleans, integers or floats)."""
    kinds = (np.integer, np.floating)
    if dtype != np.bool_ and not any(np.issubdtype(dtype, kind) for kind in kinds):
        raise DataError(f"expected numeric examples in {where}, got dtype {dtype}")


def scale_for(dtype: np.dtype, lo: float, hi: float, finite: bool, where: str) -> float:
    """The scale giving the values of examples of ``dtype`` whose range is ``lo..hi``.

    Raises for integers outside 0..255 and for floats that are not all ``finite``.
    """
    if dtype == np.bool_:
        return 1.0
    if np.issubdtype(dtype, np.integer):
        if lo < 0 or hi > 255:
            raise DataError(
                f"integer examples must be 8-bit values 0..255, got {int(lo)}..{int(hi)} in {where}"
            )
        return 1.0 if hi <= 1 else 1 / 255
    if not finite:
        raise DataError(f"{where} holds NaN or infinite values")
    return 1.0


def labels_of(y: np.ndarray, n: int, where: str) -> np.ndarray:
    """``y`` checked to be ``n`` non-negative integer labels, as int64."""
    if y.shape != (n,):
        raise DataError(f"expected labels of shape ({n},) in {where}, got {shape_str(y.shape)}")
    is_number = np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)
    if not is_number or not np.array_equal(y, np.round(y)) or (n and y.min() < 0):
        raise DataError(f"labels in {where} must be non-negative integers")
    return y.astype(np.int64)


def _examples(x: np.ndarray, where: str) -> tuple[np.ndarray, float]:
    """``x`` as compact storage (uint8 or float32) and the scale giving its values."""
    check_dtype(x.dtype, where)
    if x.dtype == np.bool_:
        return x.astype(np.uint8), 1.0
    if np.issubdtype(x.dtype, np.integer):
        scale = scale_for(x.dtype, int(x.min()), int(x.max()), True, where)
        return np.require(x, np.uint8, ["C", "W"]), scale
    scale = scale_for(x.dtype, 0.0, 0.0, bool(np.isfinite(x).all()), where)
    return np.require(x, np.float32, ["C", "W"]), scale


def _extra(name: str, value: np.ndarray, where: str) -> torch.Tensor:
    """A per-example extra array as a tensor (numeric or boolean, dtype kept)."""
    if not (value.dtype == np.bool_ or np.issubdtype(value.dtype, np.number)):
        raise DataError(f"extra {name!r} in {where} must be numeric or boolean, got {value.dtype}")
    try:
        return torch.from_numpy(np.ascontiguousarray(value))
    except TypeError:  # a dtype torch lacks, e.g. complex256
        raise DataError(
            f"extra {name!r} in {where} has dtype {value.dtype}, which torch cannot hold"
        ) from None
