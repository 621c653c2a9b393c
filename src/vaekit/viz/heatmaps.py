"""Heat maps of code × factor matrices (MIG's normalised mutual information, DCI importance)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from vaekit.viz.plots import _save


def save_heatmap(
    matrix: np.ndarray,
    path: Path,
    col_labels: Sequence[str],
    title: str,
    row_labels: Sequence[str] | None = None,
) -> Path:
    """Draw ``matrix (D, K)`` (rows: latent dimensions, columns: factors), values written in."""
    matrix = np.asarray(matrix, dtype=np.float64)
    d, k = matrix.shape
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * k, 1.0 + 0.35 * d))
    image = ax.imshow(matrix, cmap="viridis", aspect="auto", vmin=0.0)
    fig.colorbar(image, ax=ax)
    ax.set_xticks(range(k))
    ax.set_xticklabels(col_labels, rotation=30, ha="right")
    ax.set_yticks(range(d))
    ax.set_yticklabels(row_labels or [f"z{j}" for j in range(d)])
    top = matrix.max() if matrix.size else 0.0
    for (r, c), v in np.ndenumerate(matrix):
        ax.text(
            c,
            r,
            f"{v:.2f}",
            ha="center",
            va="center",
            fontsize=7,
            color="black" if v > 0.6 * top else "white",
        )
    ax.set_title(title)
    return _save(fig, path)
