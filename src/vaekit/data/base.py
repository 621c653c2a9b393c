"""The data containers every loader returns and every consumer reads.

Every split is a :class:`~vaekit.types.DataSource`: examples served in batches
(:class:`~vaekit.types.Batch`), with labels ``y`` and factors always in memory.
:class:`ArrayDataset` here is the in-memory source and the fast path: images as ``uint8``
(with ``scale`` = 1/255 or 1/16 turning them into floats in [0, 1]) or ``float32``,
integer labels, integer-coded generative factors and per-example extras. The sources
for data larger than memory read from files per batch
(:class:`~vaekit.data.file_source.FileSource`: a memory-mapped ``.npy`` or a streamed
image folder), and :class:`~vaekit.data.dynamic.DynamicBinarized` wraps a training split
to draw a fresh binary sample of every batch. :class:`DataSplits` is what
:func:`vaekit.data.load_data` hands the engine and the evaluators.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import torch
from torch import Tensor

from vaekit.registry import Registry, VaekitError
from vaekit.types import Batch, DataSource, FactorDataset


class DataError(VaekitError, ValueError):
    """Data that cannot be used: a wrong shape, a missing or corrupt file, bad values."""


def shape_str(shape: tuple[int, ...] | torch.Size) -> str:
    """``(5, 3, 4)`` written as Python writes a tuple, for error messages."""
    return str(tuple(shape))


_FLOAT_LIMIT = 2**30  # bytes: in-memory training sets up to this size are stored as float32


@dataclass(frozen=True, eq=False)
class ArrayDataset:
    """In-memory examples ``x`` ``(N, ...)`` with optional labels, factors and extras.

    The in-memory :class:`~vaekit.types.DataSource`: ``x`` is ``uint8`` (8-bit or binary
    images), ``float32`` or ``float64`` (kept in that precision); ``x * scale`` are the
    float values. ``y`` ``(N,)`` and
    ``factors`` ``(N, K)`` are ``int64``; ``extras`` are per-example tensors ``(N, ...)``
    (masks, lengths) that batches carry by name.
    """

    x: Tensor
    y: Tensor | None = None
    factors: Tensor | None = None
    scale: float = 1.0
    extras: Mapping[str, Tensor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        x = self.x
        if x.ndim < 2:
            raise DataError(
                f"expected an array of shape (N, ...) per example, got {shape_str(x.shape)}"
            )
        n = x.shape[0]
        if x.dtype not in (torch.uint8, torch.float32, torch.float64):
            raise DataError(f"examples must be stored as uint8, float32 or float64, got {x.dtype}")
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
        for name, value in self.extras.items():
            if value.ndim < 1 or value.shape[0] != n:
                raise DataError(
                    f"extra {name!r} must have one row per example ({n}, ...), "
                    f"got {shape_str(value.shape)}"
                )
        if not self.scale > 0:
            raise DataError(f"scale must be positive, got {self.scale}")

    def __len__(self) -> int:
        return self.x.shape[0]

    @property
    def shape(self) -> tuple[int, ...]:
        """The per-example shape of ``x``."""
        return tuple(self.x.shape[1:])

    def batch(self, idx: Tensor) -> Batch:
        """Float32 ``x * scale``, labels and extras for ``idx``, on ``x``'s device."""
        idx = idx.to(self.x.device)
        y = None if self.y is None else self.y[idx]
        if not self.extras:
            return Batch(self._to_float(self.x[idx]), y)
        return Batch(self._to_float(self.x[idx]), y, {k: v[idx] for k, v in self.extras.items()})

    def batches(
        self, order: Tensor, batch_size: int, device: torch.device | str
    ) -> Iterator[Batch]:
        """Batches of ``batch_size`` examples in ``order``; moved to ``device`` when stored
        elsewhere (:meth:`prepare` puts the storage there once)."""
        order = order.to(self.x.device)
        moved = self.x.device != torch.device(device)
        x, y, extras = self.x, self.y, self.extras
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            b = Batch(
                self._to_float(x[idx]),
                None if y is None else y[idx],
                {k: v[idx] for k, v in extras.items()} if extras else {},
            )
            yield b.to(device) if moved else b

    def float_x(self) -> Tensor:
        """All of ``x`` as float32 values (``x * scale``)."""
        return self._to_float(self.x)

    def select(self, idx: Tensor) -> ArrayDataset:
        """The examples at ``idx``, in that order (labels, factors and extras follow)."""
        idx = idx.to(self.x.device)
        return replace(
            self,
            x=self.x[idx],
            y=None if self.y is None else self.y[idx],
            factors=None if self.factors is None else self.factors[idx],
            extras={k: v[idx] for k, v in self.extras.items()},
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
            extras={k: v.to(device) for k, v in self.extras.items()},
        )

    def prepare(self, device: torch.device | str) -> ArrayDataset:
        """On ``device``, with ``x`` stored as float32 when that fits in 1 GiB (no per-batch
        conversion: the fast path of training)."""
        ds = self.to(device)
        if ds.x.dtype != torch.uint8 or ds.x.numel() * 4 > _FLOAT_LIMIT:
            return ds
        return replace(ds, x=ds.float_x(), scale=1.0)

    def _to_float(self, x: Tensor) -> Tensor:
        """uint8 → float32; float32 and float64 (numerical tests) keep their precision."""
        if x.dtype == torch.uint8:
            x = x.to(torch.float32)
        return x if self.scale == 1.0 else x * self.scale


@dataclass(frozen=True, eq=False)
class RawData:
    """What a loader returns: every example before splitting.

    ``test`` is a split that comes with the data (MNIST's t10k set); when it is
    ``None`` the test split is drawn from ``data``. ``factor_source`` renders
    images from factors (dSprites), for disentanglement metrics.
    """

    data: DataSource
    test: DataSource | None = None
    factor_source: FactorDataset | None = None


@dataclass(frozen=True, eq=False)
class DataSplits:
    """Train, validation and test sets of one dataset, with what models need to know.

    ``shape`` is the per-example shape (``(1, 28, 28)`` or ``(D,)``).
    ``binarize`` is the binarisation in effect, for the record: ``dynamic`` means
    ``train`` is a :class:`~vaekit.data.dynamic.DynamicBinarized` source whose batches are
    fresh Bernoulli samples (its range was checked at load time, so the hot loop does no
    check) while ``val`` and ``test`` were binarised once; ``static`` means every split was
    binarised once; data that is already binary reports ``none``. Consumers never
    binarise themselves.
    """

    name: str
    train: DataSource
    val: DataSource
    test: DataSource
    shape: tuple[int, ...]
    num_classes: int | None
    binarize: str
    factor_source: FactorDataset | None = None
    factor_names: tuple[str, ...] | None = None

    def encoded(
        self, encode: Callable[[DataSource], DataSource], shape: tuple[int, ...]
    ) -> DataSplits:
        """Each split through ``encode`` (a trained model's codes, of ``shape`` per
        example): the data a code prior or a latent sampler fits, unlabelled, as is."""
        return DataSplits(
            name=f"{self.name} codes",
            train=encode(self.train),
            val=encode(self.val),
            test=encode(self.test),
            shape=shape,
            num_classes=None,
            binarize="none",
        )


DATASETS: Registry[RawData] = Registry("dataset")
