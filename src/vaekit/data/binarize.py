"""Binarisation: grey values in [0, 1] read as Bernoulli probabilities and sampled.

*Dynamic* binarisation draws a fresh sample every epoch (Salakhutdinov & Murray,
2008), the usual protocol for binarised-MNIST likelihoods; *static*
binarisation draws once with a fixed seed, so every run sees the same binary data.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from vaekit.data.base import ArrayDataset, DataError

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


def static_binarize(ds: ArrayDataset, seed: int) -> ArrayDataset:
    """``ds`` binarised once with generator seed ``seed``, stored as uint8 0/1 (scale 1)."""
    check_binarizable(ds)
    n = len(ds)
    gen = torch.Generator(device=ds.x.device).manual_seed(seed)
    parts = [
        dynamic_binarize(ds.batch(torch.arange(i, min(i + _CHUNK, n)))[0], gen).to(torch.uint8)
        for i in range(0, n, _CHUNK)
    ]
    x = torch.cat(parts) if parts else ds.x.to(torch.uint8)
    return ArrayDataset(x, ds.y, ds.factors, scale=1.0)


def check_binarizable(ds: ArrayDataset) -> None:
    """Raise :class:`DataError` naming the range found unless all values of ``ds`` are in [0, 1]."""
    if len(ds):
        _check_unit_range(ds.x.min().item() * ds.scale, ds.x.max().item() * ds.scale)


def is_binary(ds: ArrayDataset) -> bool:
    """Whether every value of ``ds`` is already 0 or 1, so binarising changes nothing."""
    if not len(ds):
        return True
    top = ds.x.max()
    if top.item() != 0 and not math.isclose(top.item() * ds.scale, 1.0, rel_tol=1e-6):
        return False
    return bool(((ds.x == 0) | (ds.x == top)).all())


def _check_unit_range(lo: float, hi: float) -> None:
    if not (lo >= 0.0 and hi <= 1.0):  # written so that NaN fails too
        raise DataError(f"binarisation needs values in [0, 1], got range [{lo:.4g}, {hi:.4g}]")
