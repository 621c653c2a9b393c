"""User data given by a path: a ``.npy``/``.npz`` file, an MNIST IDX folder or an image folder.

A ``.npy`` file holds the examples; their labels, if any, are the ``.npy`` file beside it
named ``<stem>.labels.npy`` (``faces.npy`` → ``faces.labels.npy``). A ``.npz`` file
holds the examples as ``x`` (or as its only array), optional labels ``y`` and, beside
``x``, any other per-example arrays (``mask``, ``lengths``, ...): these become
:attr:`ArrayDataset.extras <vaekit.data.base.ArrayDataset.extras>` and travel in every
:class:`~vaekit.types.Batch` under their names, selected and ordered with ``x``. See
:mod:`vaekit.data.arrays` for the accepted shapes and value types.

``storage`` says where the examples live: ``memory`` (every kind of path), ``mmap`` (a
``.npy`` file, :mod:`vaekit.data.npy_mmap`) or ``stream`` (an image folder,
:mod:`vaekit.data.image_stream`); :func:`check_storage` checks the pair before any
data is read.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from vaekit.data.arrays import dataset_from_arrays
from vaekit.data.base import DataError, RawData
from vaekit.data.idx import is_idx_folder, load_idx
from vaekit.data.image_folder import load_image_folder
from vaekit.data.image_stream import open_image_stream
from vaekit.data.npy_mmap import open_npy
from vaekit.registry import ConfigError

PATH_KINDS = "a path to .npy/.npz, an MNIST IDX folder, or an image folder"
LABELS_SUFFIX = ".labels.npy"


def check_storage(path: Path, storage: str) -> None:
    """Raise :class:`ConfigError` unless ``storage`` can serve the data at ``path``."""
    if storage == "mmap" and path.suffix.lower() == ".npz":
        raise ConfigError(
            f"data.storage=mmap cannot memory-map the archive {path}; save its examples as "
            f".npy (labels beside them as <stem>{LABELS_SUFFIX}) or use data.storage=memory"
        )
    if storage == "mmap" and (path.is_dir() or path.suffix.lower() != ".npy"):
        raise ConfigError(f"data.storage=mmap needs a .npy file, got {path}")
    if storage == "stream" and not path.is_dir():
        raise ConfigError(f"data.storage=stream needs a folder of images, got the file {path}")
    if storage == "stream" and is_idx_folder(path):
        raise ConfigError(
            f"data.storage=stream reads folders of images, but {path} is an MNIST IDX folder; "
            "use data.storage=memory"
        )


def load_path(path: Path, storage: str = "memory", workers: int = 0) -> RawData:
    """All examples found at ``path``, which must exist, served from ``storage``.

    ``workers`` is the number of worker processes that decode a streamed folder.
    """
    check_storage(path, storage)
    if storage == "stream":
        return open_image_stream(path, workers)
    if path.is_dir():
        return load_idx(path) if is_idx_folder(path) else load_image_folder(path)
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz"):
        raise DataError(f"cannot load {path}: expected {PATH_KINDS}")
    if storage == "mmap":
        return open_npy(path, sibling_labels(path))
    try:
        if suffix == ".npy":
            arrays = {"x": np.load(path, allow_pickle=False)}
        else:
            with np.load(path, allow_pickle=False) as archive:
                arrays = dict(archive.items())
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as e:
        raise DataError(f"cannot read {path}: {e}") from None
    if suffix == ".npy" and (labels := sibling_labels(path)) is not None:
        arrays["y"] = labels
    x, y, extras = _split_arrays(arrays, path)
    return RawData(dataset_from_arrays(x, y, str(path), extras))


def sibling_labels(path: Path) -> np.ndarray | None:
    """The labels beside the ``.npy`` file ``path`` (``<stem>.labels.npy``), or ``None``."""
    labels = path.with_name(path.stem + LABELS_SUFFIX)
    if not labels.is_file():
        return None
    try:
        return np.load(labels, allow_pickle=False)
    except (OSError, EOFError, ValueError) as e:
        raise DataError(f"cannot read {labels}: {e}") from None


def _split_arrays(
    arrays: dict[str, np.ndarray], path: Path
) -> tuple[np.ndarray, np.ndarray | None, dict[str, np.ndarray]]:
    """Examples (``x``, or the only array), optional labels ``y`` and the other arrays."""
    others = [k for k in arrays if k != "y"]
    if "x" not in arrays and len(others) != 1:
        raise DataError(
            f"{path} holds arrays {', '.join(arrays) or '(none)'}; "
            "name the examples 'x' (and the labels 'y')"
        )
    x = "x" if "x" in arrays else others[0]
    extras = {k: v for k, v in arrays.items() if k not in (x, "y")}
    return arrays[x], arrays.get("y"), extras
