"""Training reads every data source the same way: a streamed image folder (with and without
worker processes) and a memory-mapped .npy train to exactly the weights of in-memory data,
dynamic binarisation included; extras reach the model's step."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from vaekit import api

TINY = [
    "train.batch_size=16",
    "eval.nll_samples=2",
    "eval.num_pictures=0",
    "model.latent_dim=2",
    "model.encoder.hidden=[16]",
    "model.decoder.hidden=[16]",
]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """80 grey 8×8 images in two class folders, and the same pixels as a .npy."""
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(80, 8, 8), dtype=np.uint8)
    for i, image in enumerate(pixels):
        folder = root / "folder" / f"class{i % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    np.save(root / "x.npy", pixels)
    return root


def _train(out, data, *extra):
    cfg = api.make_config(model="vae", data=str(data), epochs=2, overrides=[*TINY, *extra])
    api.train(cfg, out=out, progress=False)
    return load_file(str(out / "model.safetensors"))


def _same(a, b):
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("binarize", ["dynamic", "none"])
def test_streamed_folder_trains_to_the_in_memory_weights(images, tmp_path, binarize):
    folder = images / "folder"
    memory = _train(tmp_path / "memory", folder, f"data.binarize={binarize}")
    for workers in (0, 2):
        streamed = _train(
            tmp_path / f"stream{workers}",
            folder,
            f"data.binarize={binarize}",
            "data.storage=stream",
            f"data.workers={workers}",
        )
        _same(streamed, memory)


@pytest.mark.parametrize("binarize", ["dynamic", "none"])
def test_memory_mapped_npy_trains_to_the_in_memory_weights(images, tmp_path, binarize):
    memory = _train(tmp_path / "memory", images / "x.npy", f"data.binarize={binarize}")
    mapped = _train(
        tmp_path / "mmap", images / "x.npy", f"data.binarize={binarize}", "data.storage=mmap"
    )
    if binarize == "none":
        _same(mapped, memory)
    # file-backed validation data is binarised per example (not as in memory), which may
    # pick another best epoch; the training trajectory itself is the same
    last = [
        torch.load(d / "checkpoint.pt", weights_only=True)["model"]
        for d in (tmp_path / "memory", tmp_path / "mmap")
    ]
    _same(*last)
