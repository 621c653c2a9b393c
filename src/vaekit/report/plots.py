"""The report's own figures (training curves overlaid across runs), as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

from vaekit.report.runs import RunSummary

CURVES = (  # metrics.csv columns drawn, one panel each, where some run has them
    ("train_loss", "train loss"),
    ("val_loss", "validation loss"),
    ("recon", "reconstruction (train)"),
    ("kl", "KL (train)"),
    ("val_recon", "reconstruction (val)"),
    ("val_kl", "KL (val)"),
)


def curves_png(runs: Sequence[RunSummary]) -> bytes | None:
    """Every run's training curves on shared panels (one line per run), or ``None`` when no
    run has logged an epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        (key, title) for key, title in CURVES if any(key in r for run in runs for r in run.history)
    ]
    if not panels:
        return None
    ncol = min(3, len(panels))
    nrow = -(-len(panels) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.0 * nrow), squeeze=False)
    for ax, (key, title) in zip(axes.flat, panels, strict=False):
        for i, run in enumerate(runs):
            points = [(r["epoch"], r[key]) for r in run.history if key in r and "epoch" in r]
            if points:
                x, y = zip(*points, strict=True)
                ax.plot(x, y, marker="o", markersize=3, color=f"C{i % 10}", label=run.name)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    legend = {}
    for ax in axes.flat:
        handles, labels = ax.get_legend_handles_labels()
        legend.update(zip(labels, handles, strict=True))
    fig.legend(
        legend.values(), legend.keys(), loc="lower center", ncol=min(4, len(runs)), frameon=False
    )
    fig.tight_layout(rect=(0, 0.06 + 0.02 * ((len(runs) - 1) // 4), 1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()
