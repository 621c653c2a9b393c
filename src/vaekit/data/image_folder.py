"""A folder of images (png, jpg, bmp), optionally sorted into one subfolder per class.

Subfolder names, sorted, become labels 0, 1, ...; every image must have the
same size. Greyscale images (PIL modes 1, L, LA) give one channel; if any image
is in colour all become RGB (alpha dropped). Values are 8-bit (scale 1/255).
This module loads them all into memory; :mod:`vaekit.data.image_stream` reads the
same folder per batch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from vaekit.data.arrays import dataset_from_arrays
from vaekit.data.base import DataError, RawData

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
_GREY_MODES = ("1", "L", "LA")


def load_image_folder(folder: Path) -> RawData:
    """Every image in ``folder``, labelled by class subfolder when there are any."""
    files, labels = list_images(folder)
    arrays: list[np.ndarray] = []
    for path in files:
        image = read_image(path)
        if arrays and image.shape[:2] != arrays[0].shape[:2]:
            (h, w), (h0, w0) = image.shape[:2], arrays[0].shape[:2]
            raise DataError(f"images differ in size: {path} is {w}×{h} but {files[0]} is {w0}×{h0}")
        arrays.append(image)
    if any(a.ndim == 3 for a in arrays):
        arrays = [a if a.ndim == 3 else np.repeat(a[:, :, None], 3, axis=2) for a in arrays]
        x = np.stack(arrays).transpose(0, 3, 1, 2)
    else:
        x = np.stack(arrays)
    return RawData(dataset_from_arrays(x, labels, str(folder)))


def list_images(folder: Path) -> tuple[list[Path], np.ndarray | None]:
    """Image files (sorted) and their class labels, or ``None`` without class subfolders."""
    top = _images_in(folder)
    subfolders = sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))
    classes = [(d, found) for d in subfolders if (found := _images_in(d))]
    if top and classes:
        raise DataError(
            f"{folder} mixes images with class subfolders "
            f"({', '.join(d.name for d, _ in classes)}); put every image in a subfolder or none"
        )
    if not top and not classes:
        raise DataError(f"no images ({', '.join(IMAGE_SUFFIXES)}) found in {folder}")
    if not classes:
        return top, None
    files = [f for _, found in classes for f in found]
    labels = np.repeat(np.arange(len(classes)), [len(found) for _, found in classes])
    return files, labels


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def read_image(path: Path) -> np.ndarray:
    """One image as uint8 ``(H, W)`` (greyscale) or ``(H, W, 3)``."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("L" if image.mode in _GREY_MODES else "RGB"))
    except OSError as e:  # PIL.UnidentifiedImageError is an OSError
        raise DataError(f"cannot read image {path}: {e}") from None
