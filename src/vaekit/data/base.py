"""The data containers every loader returns and every consumer reads.

A dataset is a few tensors held compactly in memory: images as ``uint8`` (with
``scale`` = 1/255 or 1/16 turning them into floats in [0, 1]) or ``float32``,
integer labels and integer-coded generative factors. :class:`DataSplits` is
what :func:`vaekit.data.load_data` hands the engine and the evaluators.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from vaekit.registry import Registry, VaekitError
from vaekit.types import FactorDataset


class DataError(VaekitError, ValueError):
    """Data that cannot be used: a wrong shape, a missing or corrupt file, bad values."""


def shape_str(shape: tuple[int, ...] | torch.Size) -> str:
    """``(5, 3, 4)`` written as Python writes a tuple, for error messages."""
    return str(tuple(shape))


@dataclass(frozen=True, eq=False)
class ArrayDataset:
    """Examples ``x`` ``(N, C, H, W)`` or ``(N, D)`` with optional labels and factors.

    ``x`` is ``uint8`` (8-bit or binary images) or ``float32``; ``x * scale`` are
    the float values. ``y`` ``(N,)`` and ``factors`` ``(N, K)`` are ``int64``.
    """

    x: Tensor
    y: Tensor | None = None
    factors: Tensor | None = None
    scale: float = 1.0

    def __post_init__(self) -> None:
        x = self.x
        if x.ndim not in (2, 4):
            raise DataError(
                f"expected an array of shape (N, C, H, W) or (N, D), got {shape_str(x.shape)}"
            )
        n = x.shape[0]
        if x.dtype not in (torch.uint8, torch.float32):
            raise DataError(f"examples must be stored as uint8 or float32, got {x.dtype}")
        if self.y is not None and (self.y.shape != (n,) or self.y.dtype != torch.int64):
            raise DataError(
                f"expected int64 labels of shape ({n},), got {self.y.dtype} "
                f"of shape {shape_str(self.y.shape)}"
            )
        f = self.factors
        if f is not None and (f.ndim != 2 or f.shape[0] != n or f.dtype != torch.int64):
            raise DataError(
                f"expected int64 factors of shape ({n}, K), got {f.dtype} "
                f"of shape {shape_str(f.shape)}"
            )
        if not self.scale > 0:
            raise DataError(f"scale must be positive, got {self.scale}")

    def __len__(self) -> int:
        return self.x.shape[0]

    def batch(self, idx: Tensor) -> tuple[Tensor, Tensor | None]:
        """Float32 ``x * scale`` and the labels for ``idx``, on ``x``'s device."""
        idx = idx.to(self.x.device)
        y = None if self.y is None else self.y[idx]
        return self._to_float(self.x[idx]), y

    def float_x(self) -> Tensor:
        """All of ``x`` as float32 values (``x * scale``)."""
        return self._to_float(self.x)

    def select(self, idx: Tensor) -> ArrayDataset:
        """The examples at ``idx``, in that order (labels and factors follow)."""
        idx = idx.to(self.x.device)
        return replace(
            self,
            x=self.x[idx],
            y=None if self.y is None else self.y[idx],
            factors=None if self.factors is None else self.factors[idx],
        )

    def take(self, n: int) -> ArrayDataset:
        """The first ``n`` examples."""
        return self.select(torch.arange(min(n, len(self))))

    def to(self, device: torch.device | str) -> ArrayDataset:
        """A copy with every tensor on ``device``."""
        return replace(
            self,
            x=self.x.to(device),
            y=None if self.y is None else self.y.to(device),
            factors=None if self.factors is None else self.factors.to(device),
        )

    def _to_float(self, x: Tensor) -> Tensor:
        x = x.to(torch.float32)
        return x if self.scale == 1.0 else x * self.scale


@dataclass(frozen=True, eq=False)
class RawData:
    """What a loader returns: every example before splitting.

    ``test`` is a split that comes with the data (MNIST's t10k set); when it is
    ``None`` the test split is drawn from ``data``. ``factor_source`` renders
    images from factors (dSprites), for disentanglement metrics.
    """

    data: ArrayDataset
    test: ArrayDataset | None = None
    factor_source: FactorDataset | None = None


@dataclass(frozen=True, eq=False)
class DataSplits:
    """Train, validation and test sets of one dataset, with what models need to know.

    ``shape`` is the per-example shape (``(1, 28, 28)`` or ``(D,)``).
    ``binarize`` is the binarisation in effect: ``dynamic`` means the training
    set is grey and the engine draws a fresh Bernoulli sample of every batch (its
    range was checked at load time, so the hot loop does no check;
    :func:`~vaekit.data.dynamic_binarize` is the checked version for users); data
    that is already binary reports ``none``.
    """

    name: str
    train: ArrayDataset
    val: ArrayDataset
    test: ArrayDataset
    shape: tuple[int, ...]
    num_classes: int | None
    binarize: str
    factor_source: FactorDataset | None = None
    factor_names: tuple[str, ...] | None = None


DATASETS: Registry[RawData] = Registry("dataset")
