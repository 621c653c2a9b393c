"""From a :class:`~vaekit.config.DataConfig` to train/val/test splits ready for training.

Splits depend on ``split_seed`` only, never on the run seed, so runs with
different seeds are compared on the same examples. They are shuffled and, when
labels exist, stratified by class. Static binarisation uses seeds derived from
``split_seed`` too; under dynamic binarisation the training split is a
:class:`~vaekit.data.dynamic.DynamicBinarized` source. ``data.storage`` and
``data.workers`` are checked before any data is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vaekit.config import DataConfig
from vaekit.data.base import DATASETS, DataError, DataSplits, RawData
from vaekit.data.binarize import BINARIZE_MODES, check_binarizable, is_binary, static_binarize
from vaekit.data.dynamic import DynamicBinarized
from vaekit.data.files import PATH_KINDS, load_path
from vaekit.registry import ConfigError, UnknownNameError, check_kwargs
from vaekit.types import DataSource

STORAGES = ("memory", "mmap", "stream")


def load_data(cfg: DataConfig) -> DataSplits:
    """Load ``cfg.name`` (a registered dataset or a path), split, subset and binarise it."""
    _check(cfg)
    raw = _load_raw(cfg)
    train, val, test = _split(raw, cfg)
    if cfg.subset is not None:
        if not 1 <= cfg.subset <= len(train):
            raise ConfigError(
                f"data.subset must be between 1 and the train size {len(train)}, got {cfg.subset}"
            )
        train = train.select(torch.arange(cfg.subset))
    given = [d for d in (raw.data, raw.test) if d is not None]
    mode = "none" if all(is_binary(d) for d in given) else cfg.binarize
    if mode != "none":
        for d in given:  # fail now rather than at the first training batch
            check_binarizable(d)
        first = 0 if mode == "static" else 1  # dynamic: the training split stays grey
        train, val, test = (
            static_binarize(d, _seed(cfg.split_seed, k)) if k >= first else d
            for k, d in enumerate((train, val, test))
        )
    if mode == "dynamic":
        train = DynamicBinarized(train)
    labels = [d.y for d in given if d.y is not None and len(d)]
    source = raw.factor_source
    return DataSplits(
        name=cfg.name,
        train=train,
        val=val,
        test=test,
        shape=train.shape,
        num_classes=max(int(y.max()) + 1 for y in labels) if labels else None,
        binarize=mode,
        factor_source=source,
        factor_names=None if source is None else tuple(source.factor_names),
    )


def _check(cfg: DataConfig) -> None:
    if cfg.storage not in STORAGES:
        raise ConfigError(f"data.storage must be one of {', '.join(STORAGES)}, got {cfg.storage!r}")
    if cfg.workers < 0:
        raise ConfigError(
            f"data.workers must be 0 (read in the main process) or more, got {cfg.workers}"
        )
    if cfg.binarize not in BINARIZE_MODES:
        raise ConfigError(
            f"data.binarize must be one of {', '.join(BINARIZE_MODES)}, got {cfg.binarize!r}"
        )
    for key in ("val_fraction", "test_fraction"):
        value = getattr(cfg, key)
        if not 0.0 <= value < 1.0:
            raise ConfigError(f"data.{key} must be in [0, 1), got {value}")
    if not 0 <= cfg.split_seed < 2**32:
        raise ConfigError(f"data.split_seed must be in 0..2**32-1, got {cfg.split_seed}")


def _load_raw(cfg: DataConfig) -> RawData:
    """The registered loader's data (with ``cfg.options``) or the data at the path ``cfg.name``."""
    if cfg.name in DATASETS:
        if cfg.storage != "memory":
            raise ConfigError(
                f"dataset {cfg.name!r} is built in memory; data.storage must be 'memory' "
                f"for it, got {cfg.storage!r} (mmap and stream read files given by path)"
            )
        check_kwargs(DATASETS.get(cfg.name), cfg.options, f"dataset {cfg.name!r}")
        seed = {} if "seed" in cfg.options else {"seed": cfg.split_seed}  # for loaders that draw
        return DATASETS.build({**cfg.options, "name": cfg.name}, **seed)
    path = Path(cfg.name).expanduser()
    if path.exists():
        if cfg.options:
            raise ConfigError(
                f"data.options apply to registered datasets, not to the path {cfg.name!r}"
            )
        return load_path(path, cfg.storage, cfg.workers)
    if path.suffix or len(path.parts) > 1:
        raise DataError(f"no such file or folder: {cfg.name}")
    raise UnknownNameError(
        f"unknown dataset {cfg.name!r}; valid choices: {', '.join(DATASETS.names())} "
        f"(or {PATH_KINDS})"
    )


def _split(raw: RawData, cfg: DataConfig) -> tuple[DataSource, DataSource, DataSource]:
    """Shuffled (stratified when labelled) train/val/test; a test split shipped with the data
    is kept and then ``test_fraction`` is unused. Fractions are of all of ``raw.data``."""
    data, n = raw.data, len(raw.data)
    n_test = 0 if raw.test is not None else round(cfg.test_fraction * n)
    n_val = round(cfg.val_fraction * n)
    if n - n_test - n_val < 1:
        raise ConfigError(
            f"data.val_fraction={cfg.val_fraction} and data.test_fraction={cfg.test_fraction} "
            f"leave no training examples out of {n}"
        )
    labels = None if data.y is None else data.y.numpy()
    rest, test = _draw(np.arange(n), n_test, labels, cfg.split_seed)
    train, val = _draw(rest, n_val, labels, cfg.split_seed)
    test_set = raw.test if raw.test is not None else data.select(torch.from_numpy(test))
    return data.select(torch.from_numpy(train)), data.select(torch.from_numpy(val)), test_set


def _draw(
    idx: np.ndarray, k: int, labels: np.ndarray | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``idx`` shuffled and cut into (the rest, ``k`` drawn), stratified by label when possible."""
    if k == 0:
        return np.random.default_rng(seed).permutation(idx), idx[:0]
    from sklearn.model_selection import train_test_split  # here: sklearn takes ~1 s to import

    y = None if labels is None else labels[idx]
    stratify = y if y is not None and _can_stratify(y, k) else None
    rest, drawn = train_test_split(idx, test_size=k, random_state=seed, stratify=stratify)
    return rest, drawn


def _can_stratify(y: np.ndarray, k: int) -> bool:
    """Whether every class can be represented on both sides of a draw of ``k`` (sklearn's rule)."""
    counts = np.unique(y, return_counts=True)[1]
    return counts.min() >= 2 and len(counts) <= k <= len(y) - len(counts)


def _seed(split_seed: int, k: int) -> int:
    """An independent seed for binarising split ``k`` (0 train, 1 val, 2 test)."""
    return int(np.random.SeedSequence([split_seed, k]).generate_state(1)[0])
