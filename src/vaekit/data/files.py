"""User data given by a path: a ``.npy``/``.npz`` file, an MNIST IDX folder or an image folder.

A ``.npy`` file holds the examples; a ``.npz`` file holds them as ``x`` (or as
its only array) with optional labels ``y``. See :mod:`vaekit.data.arrays` for
the accepted shapes and value types.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from vaekit.data.arrays import dataset_from_arrays
from vaekit.data.base import DataError, RawData
from vaekit.data.idx import is_idx_folder, load_idx
from vaekit.data.image_folder import load_image_folder

PATH_KINDS = "a path to .npy/.npz, an MNIST IDX folder, or an image folder"


def load_path(path: Path) -> RawData:
    """All examples found at ``path``, which must exist."""
    if path.is_dir():
        return load_idx(path) if is_idx_folder(path) else load_image_folder(path)
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz"):
        raise DataError(f"cannot load {path}: expected {PATH_KINDS}")
    try:
        if suffix == ".npy":
            arrays = {"x": np.load(path, allow_pickle=False)}
        else:
            with np.load(path, allow_pickle=False) as archive:
                arrays = dict(archive.items())
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as e:
        raise DataError(f"cannot read {path}: {e}") from None
    x, y = _examples_and_labels(arrays, path)
    return RawData(dataset_from_arrays(x, y, str(path)))


def _examples_and_labels(
    arrays: dict[str, np.ndarray], path: Path
) -> tuple[np.ndarray, np.ndarray | None]:
    """Examples (``x``, or the only array) and optional labels ``y`` of a file's arrays."""
    others = [k for k in arrays if k != "y"]
    if "x" not in arrays and len(others) != 1:
        raise DataError(
            f"{path} holds arrays {', '.join(arrays) or '(none)'}; "
            "name the examples 'x' (and the labels 'y')"
        )
    return arrays["x" if "x" in arrays else others[0]], arrays.get("y")
