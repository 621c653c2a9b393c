"""Traversals, latent maps and heat maps: the codes they draw and the PNGs they write."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from vaekit.viz import save_heatmap, save_latent_map, save_traversals
from vaekit.viz.latent_map import map_axes
from vaekit.viz.traversals import traversal_codes


def _png(path):
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 50 and image.height > 50


def test_traversal_codes_sweep_one_dimension_per_row():
    z = torch.tensor([0.5, -1.0, 2.0])
    values = torch.linspace(-3, 3, 5)
    codes = traversal_codes(z, [2, 0], values).view(2, 5, 3)
    assert torch.equal(codes[0, :, 2], values) and torch.equal(codes[1, :, 0], values)
    assert torch.equal(codes[0, :, :2], z[:2].expand(5, 2))
    assert torch.equal(codes[1, :, 1:], z[1:].expand(5, 2))


def test_save_traversals(tmp_path):
    values = torch.linspace(-3, 3, 5)
    images = torch.rand(3 * 5, 1, 6, 6)
    _png(save_traversals(images, tmp_path / "t.png", values, ["z1", "z0", "z2"]))


def test_map_axes_uses_active_dimensions_or_pca():
    rng = np.random.default_rng(0)
    means = rng.normal(size=(300, 4)) * np.array([0.1, 3.0, 0.01, 1.0])
    xy, labels = map_axes(means, num_active=2)
    assert labels == ("z1", "z3") and np.array_equal(xy, means[:, [1, 3]])
    xy, labels = map_axes(means, num_active=3)
    assert labels[0].startswith("PC1") and labels[1].startswith("PC2")
    # The top two principal components hold at least as much variance as any two axes.
    assert np.var(xy[:, 0]) >= np.var(xy[:, 1])
    assert np.var(xy, axis=0).sum() >= np.var(means[:, [1, 3]], axis=0).sum() - 1e-9
    xy, labels = map_axes(means[:, :1], num_active=1)
    assert labels == ("z0", "") and np.all(xy[:, 1] == 0)


@pytest.mark.parametrize("colour", [None, np.arange(100) % 3, np.linspace(0, 1, 100)])
def test_save_latent_map(tmp_path, colour):
    means = np.random.default_rng(1).normal(size=(100, 3))
    _png(save_latent_map(means, tmp_path / "m.png", [0, 1], colour, "label"))


def test_save_heatmap(tmp_path):
    matrix = np.random.default_rng(2).random((4, 5))
    _png(save_heatmap(matrix, tmp_path / "h.png", list("abcde"), "MIG matrix"))
