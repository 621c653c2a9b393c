"""Matplotlib figures: KL per latent dimension and training curves (PNG, atomic)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from vaekit.files import atomic_write


def _save(fig: Figure, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    atomic_write(Path(path), lambda f: f.write(buf.getvalue()))
    return Path(path)


def save_kl_bars(
    kl_per_dim: Sequence[float],
    path: Path,
    threshold: float | None = None,
    active: Sequence[bool] | None = None,
) -> Path:
    """Bar chart of the mean KL (nats) of each latent dimension, active units highlighted."""
    fig, ax = plt.subplots(figsize=(max(4.0, 0.35 * len(kl_per_dim) + 1.5), 3.2))
    colors = ["tab:blue" if a else "tab:gray" for a in active] if active is not None else None
    ax.bar(range(len(kl_per_dim)), kl_per_dim, color=colors)
    ax.set_xlabel("latent dimension")
    ax.set_ylabel("KL (nats)")
    title = "KL per latent dimension"
    if active is not None:
        title += f" — {sum(bool(a) for a in active)}/{len(active)} active"
        if threshold is not None:
            title += f" (Cov > {threshold:g})"
    ax.set_title(title)
    ax.set_xticks(range(len(kl_per_dim)))
    return _save(fig, path)


def save_curves(history: Sequence[Mapping[str, float]], path: Path) -> Path:
    """Training and validation loss per epoch, plus each logged term in its own panel."""
    epochs = [row["epoch"] for row in history]
    terms = [
        k
        for k in history[0]
        if k not in ("epoch", "time_s", "lr", "train_loss", "val_loss") and not k.startswith("val_")
    ]
    panels = ["loss", *terms]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.0), squeeze=False)
    for ax, name in zip(axes[0], panels, strict=True):
        train_key = "train_loss" if name == "loss" else name
        val_key = f"val_{name}"
        ax.plot(epochs, [r[train_key] for r in history], marker="o", ms=3, label="train")
        if val_key in history[0]:
            ax.plot(epochs, [r[val_key] for r in history], marker="o", ms=3, label="val")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.legend()
    return _save(fig, path)
