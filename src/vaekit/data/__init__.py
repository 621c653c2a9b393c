"""Datasets: a registry of embedded sets and dSprites, user files, splits and binarisation.

``load_data(cfg)`` turns a :class:`~vaekit.config.DataConfig` into :class:`DataSplits`
whose splits are :class:`~vaekit.types.DataSource`\\ s, served in batches from one of:

* memory — :class:`ArrayDataset`, every dataset and path (``data.storage: memory``);
* a memory-mapped ``.npy`` file — :class:`FileSource` over an ``NpyReader``, the rows
  of each batch read from disk (``data.storage: mmap``);
* a streamed image folder — :class:`FileSource` over an ``ImageStreamReader``, images
  decoded per batch by ``data.workers`` DataLoader workers (``data.storage: stream``).

Binarisation happens here, not in the engine: under ``data.binarize: dynamic`` the
training split is a :class:`DynamicBinarized` source drawing ``torch.bernoulli`` of each
batch; ``static`` (and val/test under ``dynamic``) binarise once, per example for
file-backed sources. ``DATASETS.describe()`` lists the registered datasets.
"""

import vaekit.data.embedded  # noqa: F401  (registers mnist5k and digits)
from vaekit.data.base import DATASETS, ArrayDataset, DataError, DataSplits, RawData
from vaekit.data.binarize import dynamic_binarize, static_binarize
from vaekit.data.dsprites import DSprites
from vaekit.data.dynamic import DynamicBinarized
from vaekit.data.file_source import FileSource
from vaekit.data.splits import STORAGES, load_data

__all__ = [
    "DATASETS",
    "STORAGES",
    "ArrayDataset",
    "DSprites",
    "DataError",
    "DataSplits",
    "DynamicBinarized",
    "FileSource",
    "RawData",
    "dynamic_binarize",
    "load_data",
    "static_binarize",
]
