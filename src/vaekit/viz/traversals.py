"""Latent traversals: a seed's code decoded with one dimension swept across [−3, 3].

Row r shows dimension ``dims[r]`` set to each of S values (by default 9, evenly spaced
from −3 to 3: absolute values, prior standard deviations for an N(0, I) prior), every
other dimension kept at the seed's posterior mean E_q[z | x_seed]. The caller decodes
:func:`traversal_codes` with its model and draws the images with :func:`save_traversals`.

Categorical latents held as one-hot blocks of z (JointVAE) are traversed by category
instead (:func:`category_codes`): row j sets block j to each of its one-hot values.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from torch import Tensor

from vaekit.viz.grids import image_grid
from vaekit.viz.plots import _save


def traversal_codes(z: Tensor, dims: Sequence[int], values: Tensor) -> Tensor:
    """Codes ``(R · S, D)``: row r of ``z (D,)`` repeated with ``z[dims[r]] = values (S,)``."""
    rows, steps = len(dims), len(values)
    codes = z.expand(rows, steps, z.shape[0]).clone()
    dev = z.device
    codes[
        torch.arange(rows, device=dev)[:, None],
        torch.arange(steps, device=dev)[None, :],
        torch.as_tensor(dims, dtype=torch.long, device=dev)[:, None],
    ] = values.to(z)
    return codes.reshape(rows * steps, -1)


def most_likely_blocks(z: Tensor, start: int, sizes: Sequence[int]) -> Tensor:
    """``z (D,)`` with each block of ``sizes`` from ``start`` (probabilities) made the one-hot
    of its largest entry: the seed's most likely categories."""
    z = z.clone()
    for size in sizes:
        block = z[start : start + size]
        z[start : start + size] = (torch.arange(size, device=z.device) == block.argmax()).to(z)
        start += size
    return z


def category_codes(z: Tensor, start: int, sizes: Sequence[int]) -> tuple[Tensor, Tensor]:
    """Codes ``(R · S, D)``, S = max(sizes), and which of them are real ``(R · S,)``.

    Row j is ``z (D,)`` with block j (of ``sizes[j]`` coordinates, blocks laid out from
    ``start``) set to the one-hot of category s in column s; columns past ``sizes[j]``
    repeat the last category and are marked not real (blank them after decoding).
    """
    steps = max(sizes)
    codes = z.expand(len(sizes), steps, z.shape[0]).clone()
    real = torch.zeros(len(sizes), steps, dtype=torch.bool, device=z.device)
    offset = start
    for row, size in enumerate(sizes):
        category = torch.arange(steps, device=z.device).clamp(max=size - 1)
        codes[row, :, offset : offset + size] = torch.eye(size, dtype=z.dtype, device=z.device)[
            category
        ]
        real[row, :size] = True
        offset += size
    return codes.reshape(len(sizes) * steps, -1), real.flatten()


def save_traversals(
    images: Tensor,
    path: Path,
    values: Tensor,
    row_labels: Sequence[str],
    column_labels: Sequence[str] | None = None,
) -> Path:
    """Draw decoded traversals ``(R · S, *shape)``, one row per label, columns at ``values``
    (labelled by the values, or by ``column_labels``)."""
    steps = len(values)
    grid = image_grid(images.detach().float().cpu(), ncol=steps)
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * steps, 0.6 * len(row_labels) + 0.9))
    ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255)
    cell_y = (grid.shape[0] - 2) / len(row_labels)
    ax.set_yticks([2 + cell_y * (r + 0.5) for r in range(len(row_labels))])
    ax.set_yticklabels(row_labels)
    cell_x = (grid.shape[1] - 2) / steps
    ax.set_xticks([2 + cell_x * (s + 0.5) for s in range(steps)])
    if column_labels is None:
        ax.set_xticklabels([f"{v:+.1f}" for v in values.tolist()])
        ax.set_title(f"latent traversals, {values.min().item():g} to {values.max().item():g}")
    else:
        ax.set_xticklabels(column_labels)
        ax.set_title("latent traversals by category")
    return _save(fig, path)
