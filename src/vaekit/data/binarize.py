"""Binarisation: grey values in [0, 1] read as Bernoulli probabilities and sampled.

*Dynamic* binarisation draws a fresh sample every epoch (Salakhutdinov & Murray,
2008), the usual protocol for binarised-MNIST likelihoods: see
:class:`~vaekit.data.dynamic.DynamicBinarized`. *Static* binarisation draws once with a
fixed seed, so every run sees the same binary data. In memory the whole split is drawn
at once from one generator (:func:`static_binarize`); file-backed sources cannot hold
the result, so each example is drawn from its own generator seeded by ``(seed, its
index in the file)`` when it is read (:func:`binarize_examples`): the same example gets
the same binary image whatever batch, order or worker process it is read in.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor

from vaekit.data.base import ArrayDataset, DataError
from vaekit.types import DataSource

BINARIZE_MODES = ("none", "static", "dynamic")
_CHUNK = 8192  # examples binarised at a time, to bound the float copy


def dynamic_binarize(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """A Bernoulli(``x``) sample: float32 zeros and ones with ``x``'s shape and device.

    ``generator`` must live on ``x``'s device type (a CPU generator for CPU
    tensors, a CUDA one for CUDA tensors); ``None`` uses torch's default generator.
    Values already 0 or 1 are kept exactly.
    """
    if x.numel():
        lo, hi = torch.stack(torch.aminmax(x)).tolist()  # one device sync
        _check_unit_range(lo, hi)
    if generator is not None and generator.device.type != x.device.type:
        raise DataError(
            f"the generator is on {generator.device.type} but the data on "
            f"{x.device.type}; create it with torch.Generator(device=x.device)"
        )
    u = torch.rand(x.shape, generator=generator, device=x.device)
    return (u < x).to(torch.float32)


@runtime_checkable
class Binarizable(Protocol):
    """A source that makes its own statically binarised version."""

    def binarized(self, seed: int) -> DataSource:
        """The source binarised once with ``seed``."""
        ...


def static_binarize(ds: DataSource, seed: int) -> DataSource:
    """``ds`` binarised once with seed ``seed``.

    An :class:`ArrayDataset` is drawn whole and stored as uint8 0/1 (scale 1); other
    sources give their ``binarized(seed)`` (file-backed: per example, see the module
    docstring; a dynamically binarised split: its grey source, binarised).
    """
    if isinstance(ds, Binarizable):
        return ds.binarized(seed)
    if not isinstance(ds, ArrayDataset):
        raise DataError(f"cannot binarise a {type(ds).__name__} statically")
    check_binarizable(ds)
    n = len(ds)
    gen = torch.Generator(device=ds.x.device).manual_seed(seed)
    parts = [
        dynamic_binarize(ds.batch(torch.arange(i, min(i + _CHUNK, n))).x, gen).to(torch.uint8)
        for i in range(0, n, _CHUNK)
    ]
    x = torch.cat(parts) if parts else ds.x.to(torch.uint8)
    return ArrayDataset(x, ds.y, ds.factors, scale=1.0, extras=ds.extras)


def binarize_examples(x: Tensor, rows: Tensor, seed: int) -> Tensor:
    """Examples ``x`` ``(B, ...)`` binarised one by one: example ``i`` compares its values
    with uniform noise from ``numpy.random.default_rng([seed, rows[i]])``, where
    ``rows[i]`` is its index in the file. Float32 zeros and ones on ``x``'s device."""
    shape = tuple(x.shape[1:])
    noise = [np.random.default_rng([seed, r]).random(shape, np.float32) for r in rows.tolist()]
    u = np.stack(noise) if noise else np.empty((0, *shape), np.float32)
    return (torch.from_numpy(u).to(x.device) < x).to(torch.float32)


@runtime_checkable
class Summarized(Protocol):
    """A source whose values were summarised on load (file-backed sources)."""

    value_range: tuple[float, float]
    binary: bool


def check_binarizable(ds: ArrayDataset | Summarized) -> None:
    """Raise :class:`DataError` naming the range found unless all values of ``ds`` are in [0, 1]."""
    if isinstance(ds, Summarized):
        _check_unit_range(*ds.value_range)
    elif len(ds):
        _check_unit_range(ds.x.min().item() * ds.scale, ds.x.max().item() * ds.scale)


def is_binary(ds: ArrayDataset | Summarized) -> bool:
    """Whether every value of ``ds`` is already 0 or 1, so binarising changes nothing."""
    if isinstance(ds, Summarized):
        return ds.binary
    if not len(ds):
        return True
    top = ds.x.max()
    if top.item() != 0 and not math.isclose(top.item() * ds.scale, 1.0, rel_tol=1e-6):
        return False
    return bool(((ds.x == 0) | (ds.x == top)).all())


def _check_unit_range(lo: float, hi: float) -> None:
    if not (lo >= 0.0 and hi <= 1.0):  # written so that NaN fails too
        raise DataError(f"binarisation needs values in [0, 1], got range [{lo:.4g}, {hi:.4g}]")
