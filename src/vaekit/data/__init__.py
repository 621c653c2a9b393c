"""Datasets: a registry of embedded sets and dSprites, user files, splits and binarisation.

``load_data(cfg)`` turns a :class:`~vaekit.config.DataConfig` into
:class:`DataSplits`; ``DATASETS.describe()`` lists the registered datasets.
"""

import vaekit.data.embedded  # noqa: F401  (registers mnist5k and digits)
from vaekit.data.base import DATASETS, ArrayDataset, DataError, DataSplits, RawData
from vaekit.data.binarize import dynamic_binarize, static_binarize
from vaekit.data.dsprites import DSprites
from vaekit.data.splits import load_data

__all__ = [
    "DATASETS",
    "ArrayDataset",
    "DSprites",
    "DataError",
    "DataSplits",
    "RawData",
    "dynamic_binarize",
    "load_data",
    "static_binarize",
]
