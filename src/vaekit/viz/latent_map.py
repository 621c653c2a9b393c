"""A 2-D map of the latent space: posterior means coloured by a label or a factor.

The axes are the two most active dimensions (largest Var_x E_q[z_j|x]) when at most two
are active, else the first two principal components of the means (PCA), which then
show more of the active subspace. A single latent dimension is drawn as a strip.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from torch import Tensor

from vaekit.viz.plots import _save


def map_axes(means: np.ndarray, num_active: int) -> tuple[np.ndarray, tuple[str, str]]:
    """``(N, 2)`` coordinates and axis labels for ``means (N, D)``."""
    n, d = means.shape
    if d == 1:
        return np.stack([means[:, 0], np.zeros(n)], 1), ("z0", "")
    if num_active <= 2 or d == 2:
        top = np.argsort(-means.var(axis=0), kind="stable")[:2]
        return means[:, top], (f"z{top[0]}", f"z{top[1]}")
    centred = means - means.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    share = s**2 / max(float((s**2).sum()), 1e-300)
    return centred @ vt[:2].T, (f"PC1 ({share[0]:.0%})", f"PC2 ({share[1]:.0%})")


def save_latent_map(
    means: Tensor | np.ndarray,
    path: Path,
    active: Sequence[int],
    colour: np.ndarray | None = None,
    colour_name: str | None = None,
) -> Path:
    """Scatter the means ``(N, D)``; ``colour (N,)`` integer-coded labels or factor values."""
    means = np.asarray(means, dtype=np.float64)
    xy, (xlabel, ylabel) = map_axes(means, len(active))
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    if colour is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=6, alpha=0.6)
    else:
        values = np.unique(colour)
        cmap = "tab10" if len(values) <= 10 else "tab20" if len(values) <= 20 else "viridis"
        points = ax.scatter(xy[:, 0], xy[:, 1], c=colour, s=6, alpha=0.7, cmap=cmap)
        fig.colorbar(points, ax=ax, label=colour_name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"posterior means, {len(active)} active of {means.shape[1]}")
    return _save(fig, path)
