"""A folder of images read per batch (``data.storage: stream``), for data larger than memory.

Only the file paths and the labels (class subfolders, as in
:mod:`vaekit.data.image_folder`) are held in memory. Each call to ``batches`` makes one
:class:`torch.utils.data.DataLoader` with ``data.workers`` worker processes (0: read in
the main process) whose batch sampler gives the batches in the order asked for; a worker
decodes one image per index with PIL. Batches travel as uint8, pinned when the target
device is CUDA, and become float32 (scale 1/255) on that device: the values of the same
folder loaded into memory. The loader gets a generator of its own, so reading never
draws from torch's default generator.

The first image (in sorted order) fixes the shape: its size, and one channel if it is
greyscale, three if in colour. A later image of another size is a :class:`DataError`
naming both files; a greyscale image in a colour folder is made RGB, and a colour image
in a greyscale folder is an error (``data.storage: memory`` makes every image RGB).
Images are not scanned on load: their values are taken to lie in [0, 1] and not to be
binary, so binarisation applies even to black-and-white images (it leaves 0 and 1 as
they are).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from vaekit.data.base import DataError, RawData
from vaekit.data.binarize import binarize_examples
from vaekit.data.file_source import FileSource
from vaekit.data.image_folder import list_images, read_image

SCALE = 1 / 255


class _Images(Dataset):
    """The image at each row of ``files`` as uint8 ``(C, H, W)``, or what is wrong with it.

    Errors travel as values so that they reach the main process as one-line
    :class:`DataError`\\ s (DataLoader would wrap a raised one in a worker traceback).
    """

    def __init__(self, files: list[str], shape: tuple[int, ...], seed: int | None) -> None:
        self.files, self.shape, self.seed = files, shape, seed

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, row: int) -> Tensor | str:
        try:
            image = read_image(Path(self.files[row]))
        except DataError as e:
            return str(e)
        (c, h, w), first = self.shape, self.files[0]
        if image.shape[:2] != (h, w):
            return (
                f"images differ in size: {self.files[row]} is {image.shape[1]}×{image.shape[0]} "
                f"but {first} is {w}×{h}"
            )
        if image.ndim == 3 and c == 1:
            return (
                f"{self.files[row]} is in colour but {first} is greyscale; a streamed folder "
                "takes its channels from its first image (data.storage=memory makes all RGB)"
            )
        chw = image.transpose(2, 0, 1) if image.ndim == 3 else np.broadcast_to(image, (c, h, w))
        x = torch.from_numpy(chw.copy())  # writable, C order
        if self.seed is None:
            return x
        grey = x[None].to(torch.float32) * SCALE
        return binarize_examples(grey, torch.tensor([row]), self.seed)[0].to(torch.uint8)


def _collate(items: list[Tensor | str]) -> Tensor | str:
    """The batch's images stacked, or the first error met."""
    errors = [item for item in items if isinstance(item, str)]
    return errors[0] if errors else torch.stack([i for i in items if isinstance(i, Tensor)])


class ImageStreamReader:
    """Images of ``files`` decoded per batch by ``workers`` DataLoader worker processes."""

    value_range = (0.0, 1.0)
    binary = False

    def __init__(self, files: list[str], shape: tuple[int, ...], workers: int) -> None:
        self.files, self.shape, self.workers = files, shape, workers

    def read(self, rows: Tensor, seed: int | None) -> Tensor:
        """Float32 images at ``rows``, decoded in this process."""
        if not len(rows):
            return torch.empty((0, *self.shape))
        images = _Images(self.files, self.shape, seed)
        return _values(_collate([images[r] for r in rows.tolist()]), seed, "cpu")

    def stream(
        self, rows: list[Tensor], seed: int | None, device: torch.device | str
    ) -> Iterator[Tensor]:
        """Each batch of ``rows`` decoded by the workers, in order, as float32 on ``device``."""
        loader = DataLoader(
            _Images(self.files, self.shape, seed),
            batch_sampler=[r.tolist() for r in rows],
            num_workers=self.workers,
            collate_fn=_collate,
            pin_memory=torch.device(device).type == "cuda",
            persistent_workers=False,
            generator=torch.Generator(),  # DataLoader draws a seed from it on every pass
        )
        for out in loader:
            yield _values(out, seed, device)


def _values(out: Tensor | str, seed: int | None, device: torch.device | str) -> Tensor:
    """A collated uint8 batch as float32 values on ``device``; an error becomes a DataError."""
    if isinstance(out, str):
        raise DataError(out)
    x = out.to(device, non_blocking=True).to(torch.float32)
    return x if seed is not None else x * SCALE


def open_image_stream(folder: Path, workers: int) -> RawData:
    """The images of ``folder`` (class subfolders give labels) as a streamed source."""
    files, labels = list_images(folder)
    first = read_image(files[0])
    shape = (3 if first.ndim == 3 else 1, *first.shape[:2])
    reader = ImageStreamReader([str(f) for f in files], shape, workers)
    y = None if labels is None else torch.from_numpy(labels.astype(np.int64))
    return RawData(FileSource(reader, torch.arange(len(files)), y))
