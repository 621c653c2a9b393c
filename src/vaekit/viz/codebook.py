"""Codebook usage histogram of a quantized model (PNG, atomic)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from torch import Tensor

from vaekit.viz.plots import _save


def save_codebook_usage(counts: Tensor | np.ndarray, path: Path, title: str = "") -> Path:
    """How often each code is used, most used first, one panel per stage/group.

    ``counts`` is ``(S, K)`` (or ``(K,)``): assignments of each of ``K`` codes on a split.
    The log-scale bars show at a glance how many codes carry the data and how many
    are never used (the gap on the right).
    """
    arr = counts.detach().cpu().numpy() if isinstance(counts, Tensor) else np.asarray(counts)
    arr = arr.reshape(-1, arr.shape[-1]).astype(np.float64)
    stages, k = arr.shape
    fig = Figure(figsize=(4.5 * stages, 3.0))  # no pyplot: plots.py owns the backend choice
    axes = fig.subplots(1, stages, squeeze=False)
    for s, ax in enumerate(axes[0]):
        ranked = np.sort(arr[s])[::-1]
        used = int((ranked > 0).sum())
        ax.bar(np.arange(k), ranked, width=1.0, color="tab:blue")
        ax.set_yscale("log")
        ax.set_xlim(-0.5, k - 0.5)
        ax.set_xlabel("code (ranked by use)")
        ax.set_ylabel("assignments")
        name = f"stage {s + 1}: " if stages > 1 else ""
        ax.set_title(f"{title}{name}{used}/{k} codes used ({used / k:.0%})")
    return _save(fig, path)
