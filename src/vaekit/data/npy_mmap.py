"""A memory-mapped ``.npy`` file (``data.storage: mmap``): rows are read per batch.

``np.load(path, mmap_mode="r")`` maps the file; a batch reads only its rows (sorted, for
locality, then put back in the batch's order) and converts them by the rules of
:mod:`vaekit.data.arrays` — integers 0..255 scaled by 1/255, binary data (booleans, or
integers 0 and 1) as 0/1, floats as float32, ``(N, H, W)`` given a channel axis — so
its batches equal those of the same file loaded into memory. The checks on load (shape,
dtype, integer range, NaN) read the file in chunks of about 64 MiB, never whole. Labels,
when given (``<stem>.labels.npy`` beside the file, see :mod:`vaekit.data.files`), are
held in memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from vaekit.data.arrays import check_dtype, check_shape, labels_of, scale_for
from vaekit.data.base import DataError, RawData
from vaekit.data.binarize import binarize_examples
from vaekit.data.file_source import FileSource

_CHUNK_BYTES = 2**26  # bytes of the file checked at a time on load


class NpyReader:
    """Rows of a memory-mapped array ``(N, ...)``, converted as in memory (``x * scale``)."""

    def __init__(
        self, array: np.ndarray, scale: float, value_range: tuple[float, float], binary: bool
    ) -> None:
        self.array = array
        self.scale = scale
        self.value_range = value_range
        self.binary = binary
        rest = tuple(array.shape[1:])
        self.shape = (1, *rest) if len(rest) == 2 else rest

    def read(self, rows: Tensor, seed: int | None) -> Tensor:
        """Float32 examples at ``rows`` (binarised per example with ``seed`` unless ``None``)."""
        r = rows.numpy()
        order = np.argsort(r, kind="stable")
        block = np.empty((len(r), *self.array.shape[1:]), self.array.dtype)
        block[order] = self.array[r[order]]
        x = self._values(block).reshape(len(r), *self.shape)
        return x if seed is None else binarize_examples(x, rows, seed)

    def stream(
        self, rows: list[Tensor], seed: int | None, device: torch.device | str
    ) -> Iterator[Tensor]:
        """Each batch of ``rows`` read in this process and moved to ``device``."""
        for r in rows:
            yield self.read(r, seed).to(device)

    def _values(self, block: np.ndarray) -> Tensor:
        """Stored values as float32, computed exactly as :class:`ArrayDataset` does."""
        if block.dtype.kind == "f":
            return torch.from_numpy(block.astype(np.float32))
        x = torch.from_numpy(block.astype(np.uint8)).to(torch.float32)
        return x if self.scale == 1.0 else x * self.scale


def open_npy(path: Path, y: np.ndarray | None) -> RawData:
    """The ``.npy`` file at ``path`` memory-mapped, with labels ``y`` (checked) or none."""
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, EOFError, ValueError) as e:
        raise DataError(f"cannot read {path}: {e}") from None
    where = str(path)
    check_shape(array.shape, where)
    check_dtype(array.dtype, where)
    lo, hi, finite, values = _scan(array)
    scale = scale_for(array.dtype, lo, hi, finite, where)
    top_is_one = hi == 0 or math.isclose(hi * scale, 1.0, rel_tol=1e-6)
    binary = values is not None and values <= {0.0, hi} and top_is_one
    reader = NpyReader(array, scale, (lo * scale, hi * scale), binary)
    labels = None if y is None else torch.from_numpy(labels_of(y, len(array), where))
    return RawData(FileSource(reader, torch.arange(len(array)), labels))


def _scan(array: np.ndarray) -> tuple[float, float, bool, set[float] | None]:
    """Smallest and largest value, whether all are finite, and the distinct values when
    there are at most two (else ``None``), reading ``array`` chunk by chunk."""
    row_bytes = max(1, array.itemsize * math.prod(array.shape[1:]))
    step = max(1, _CHUNK_BYTES // row_bytes)
    lo, hi, values = math.inf, -math.inf, set()
    for i in range(0, len(array), step):
        chunk = np.asarray(array[i : i + step])
        if chunk.dtype.kind == "f" and not np.isfinite(chunk).all():
            return lo, hi, False, None
        c_lo, c_hi = float(chunk.min()), float(chunk.max())
        lo, hi = min(lo, c_lo), max(hi, c_hi)
        few = values is not None and bool(((chunk == c_lo) | (chunk == c_hi)).all())
        values = values | {c_lo, c_hi} if few else None
        if values is not None and len(values) > 2:
            values = None
    return lo, hi, True, values
