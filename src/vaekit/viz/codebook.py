"""Codebook usage histogram of a quantized model (PNG, atomic)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor

from vaekit.ops import histogram_entropy
from vaekit.viz.plots import _save

FEW = 32  # at most this many used codes: big markers, a bar of 1/K of the width is invisible


def codebook_usage_figure(counts: Tensor | np.ndarray, title: str = "") -> Figure:
    """How often each code is used, most used first, one panel per stage/group.

    ``counts`` is ``(S, K)`` (or ``(K,)``): assignments of each of ``K`` codes on a split.
    Used codes are drawn as markers joined by a line on a log scale that starts below one
    assignment, so that two used codes of 512 show as clearly as 500; never-used codes
    are a shaded span labelled with their number. The title gives usage, normalised
    perplexity (perplexity / K) and the entropy of the histogram.
    """
    arr = counts.detach().cpu().numpy() if isinstance(counts, Tensor) else np.asarray(counts)
    arr = arr.reshape(-1, arr.shape[-1]).astype(np.float64)
    stages, k = arr.shape
    entropy = histogram_entropy(torch.from_numpy(arr)).numpy()
    fig = Figure(figsize=(4.5 * stages, 3.2))  # no pyplot: plots.py owns the backend choice
    axes = fig.subplots(1, stages, squeeze=False)
    for s, ax in enumerate(axes[0]):
        ranked = np.sort(arr[s])[::-1]
        used = int((ranked > 0).sum())
        if used:
            ax.plot(
                np.arange(used),
                ranked[:used],
                "-o",
                color="tab:blue",
                lw=1,
                ms=6 if used <= FEW else 1.5,
            )
        if used < k:
            ax.axvspan(used - 0.5, k - 0.5, color="0.9", lw=0)
            ax.text(
                (used + k) / 2,
                0.95,
                f"{k - used} unused",
                transform=ax.get_xaxis_transform(),  # x in codes, y in axes fractions
                ha="center",
                va="top",
                color="0.4",
            )
        ax.set_yscale("log")
        ax.set_ylim(0.5, max(ranked[0], 1.0) * 2)
        ax.set_xlim(-0.5, k - 0.5)
        ax.set_xlabel("code (ranked by use)")
        ax.set_ylabel("assignments")
        name = f"stage {s + 1}: " if stages > 1 else ""
        ax.set_title(
            f"{title}{name}{used}/{k} codes used ({used / k:.1%})\n"
            f"perplexity/K {math.exp(entropy[s]) / k:.3f}, "
            f"entropy {entropy[s] / math.log(2):.2f} of {math.log2(k):.2f} bits",
            fontsize=10,
        )
    return fig


def save_codebook_usage(counts: Tensor | np.ndarray, path: Path, title: str = "") -> Path:
    """Write :func:`codebook_usage_figure` of ``counts (S, K)`` as a PNG at ``path``."""
    return _save(codebook_usage_figure(counts, title), path)
