"""MNIST-style IDX folders: the four standard files, optionally gzipped.

The IDX format is a 4-byte magic number (two zero bytes, a type code, the
number of dimensions), one big-endian uint32 per dimension, then the data.
Only unsigned-byte data (type 0x08, as in MNIST, Fashion-MNIST, KMNIST) is read.
The ``t10k`` files are the test split; validation is split off the training files.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from vaekit.data.arrays import dataset_from_arrays
from vaekit.data.base import ArrayDataset, DataError, RawData

IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def is_idx_folder(folder: Path) -> bool:
    """Whether ``folder`` holds any of the standard IDX files (then it must hold all four)."""
    return any(_find(folder, name) for name in IDX_FILES)


def load_idx(folder: Path) -> RawData:
    """Training and t10k images with labels from an IDX folder."""
    found = {name: _find(folder, name) for name in IDX_FILES}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise DataError(
            f"{folder} is missing MNIST IDX file(s) {', '.join(missing)} (plain or .gz)"
        )
    paths = [p for p in found.values() if p is not None]
    return RawData(_pair(paths[0], paths[1]), test=_pair(paths[2], paths[3]))


def read_idx(path: Path) -> np.ndarray:
    """The unsigned-byte array stored in one IDX file (gzipped if it ends in ``.gz``)."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
        raise DataError(f"cannot read {path}: {e}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path} is not an IDX file (bad magic number)")
    if raw[2] != 0x08:
        raise DataError(
            f"{path} holds IDX type 0x{raw[2]:02x}; only unsigned bytes (0x08) are read"
        )
    header = 4 + 4 * raw[3]
    if len(raw) < header:
        raise DataError(f"{path} is truncated: its header is cut short")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=raw[3], offset=4))
    expected, found = int(np.prod(shape)), len(raw) - header
    if found != expected:
        raise DataError(
            f"{path} is truncated or corrupt: shape {shape} needs {expected} data bytes, "
            f"found {found}"
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def _pair(images_path: Path, labels_path: Path) -> ArrayDataset:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"expected images (N, H, W) in {images_path} and labels (N,) in {labels_path}, "
            f"got {images.shape} and {labels.shape}"
        )
    return dataset_from_arrays(images, labels, str(images_path))


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None
