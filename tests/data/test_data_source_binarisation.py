"""Binarisation inside the data sources: dynamic per batch, static per example for files."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vaekit.config import DataConfig
from vaekit.data import ArrayDataset, DynamicBinarized, FileSource, load_data, static_binarize

STORAGES = ("memory", "mmap", "stream")


def grey_data(folder: Path, storage: str, n: int = 30) -> Path:
    """``n`` grey 5×4 images in two classes: an image folder for ``stream``, else ``.npy``."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 5, 4), dtype=np.uint8)
    if storage != "stream":
        np.save(folder / "x.npy", x)
        np.save(folder / "x.labels.npy", np.arange(n) % 2)
        return folder / "x.npy"
    for i, pixels in enumerate(x):
        (folder / f"c{i % 2}").mkdir(exist_ok=True)
        Image.fromarray(pixels).save(folder / f"c{i % 2}" / f"{i:02d}.png")
    return folder


def load(path: Path, **kw):
    return load_data(DataConfig(name=str(path), **kw))


def xs(source, order: torch.Tensor, size: int) -> list[torch.Tensor]:
    return [b.x for b in source.batches(order, size, "cpu")]


@pytest.mark.parametrize("storage", STORAGES)
def test_dynamic_binarisation_is_bernoulli_on_the_global_rng(tmp_path, storage):
    s = load(grey_data(tmp_path, storage), storage=storage, workers=0, binarize="dynamic")
    assert s.binarize == "dynamic" and isinstance(s.train, DynamicBinarized)
    train = s.train.prepare("cpu")  # as the engine does, once
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))
    torch.manual_seed(7)
    epochs = [[(b.x, b.y) for b in train.batches(order, 5, "cpu")] for _ in range(2)]
    after = torch.get_rng_state()
    grey = [(b.x, b.y) for b in train.source.batches(order, 5, "cpu")]
    torch.manual_seed(7)
    expected = [[torch.bernoulli(x) for x, _ in grey] for _ in range(2)]
    assert torch.equal(torch.get_rng_state(), after)  # one draw per batch, nothing more
    for got, want in zip(epochs, expected, strict=True):
        for (x, y), x0, (_, y0) in zip(got, want, grey, strict=True):
            assert torch.equal(x, x0) and torch.equal(y, y0)
    first, second = (torch.cat([x for x, _ in epoch]) for epoch in epochs)
    assert set(first.unique().tolist()) == {0.0, 1.0}
    assert not torch.equal(first, second)  # a fresh sample each epoch


def test_dynamic_binarisation_draws_each_batch_when_it_is_asked_for():
    """The engine's old loop (batch, bernoulli, model noise) and the new one agree exactly."""
    grey = ArrayDataset(torch.randint(0, 256, (23, 1, 3, 3), dtype=torch.uint8), scale=1 / 255)
    grey = grey.prepare("cpu")
    order = torch.randperm(23, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(0)
    old = []
    for i in range(0, 23, 4):
        x = torch.bernoulli(grey.batch(order[i : i + 4]).x)
        old.append((x, torch.randn(3)))  # the model's noise, drawn between batches
    torch.manual_seed(0)
    new = [(b.x, torch.randn(3)) for b in DynamicBinarized(grey).batches(order, 4, "cpu")]
    for (x, noise), (x0, noise0) in zip(new, old, strict=True):
        assert torch.equal(x, x0) and torch.equal(noise, noise0)


def test_dynamic_wrapper_delegates_and_random_access_is_grey(tmp_path):
    s = load(grey_data(tmp_path, "memory"), binarize="dynamic")
    train, grey = s.train, s.train.source
    assert len(train) == len(grey) and train.shape == grey.shape == s.shape
    assert train.y is grey.y and train.factors is None
    idx = torch.tensor([3, 0])
    assert torch.equal(train.batch(idx).x, grey.batch(idx).x)
    picked = train.select(idx)
    assert isinstance(picked, DynamicBinarized) and torch.equal(picked.y, grey.y[idx])
    prepared = train.prepare("cpu")
    assert isinstance(prepared, DynamicBinarized) and prepared.source.x.dtype == torch.float32
    assert torch.equal(static_binarize(train, 5).x, static_binarize(grey, 5).x)


@pytest.mark.parametrize("storage", ["mmap", "stream"])
def test_static_binarisation_of_files_is_per_example(tmp_path, storage):
    path = grey_data(tmp_path, storage)
    s = load(path, storage=storage, workers=0, binarize="static", val_fraction=0.2)
    source = s.val
    assert isinstance(source, FileSource) and source.seed is not None and s.binarize == "static"
    alone = torch.cat([source.batch(torch.tensor([i])).x for i in range(len(source))])
    assert set(alone.unique().tolist()) == {0.0, 1.0}
    for size, seed in ((1, 0), (2, 1), (4, 2)):
        order = torch.randperm(len(source), generator=torch.Generator().manual_seed(seed))
        assert torch.equal(torch.cat(xs(source, order, size)), alone[order])
    picked = source.select(torch.tensor([4, 1]))
    assert torch.equal(torch.cat(xs(picked, torch.arange(2), 2)), alone[[4, 1]])
    again = load(path, storage=storage, workers=2, binarize="dynamic", val_fraction=0.2).val
    assert torch.equal(torch.cat(xs(again, torch.arange(len(again)), 3)), alone)
    grey = load(path, storage=storage, binarize="none", val_fraction=0.2).val
    g = torch.cat(xs(grey, torch.arange(len(grey)), 6))
    assert torch.all(alone[g == 0] == 0) and torch.all(alone[g == 1] == 1)
    assert 0.3 < alone[(g > 0.4) & (g < 0.6)].mean() < 0.7
