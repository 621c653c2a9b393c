"""A small classifier that vaekit trains on a dataset's labels and caches; its penultimate
layer gives the features of :mod:`vaekit.evaluation.sample_quality`.

**This is not the Inception network of FID** (Heusel et al. 2017). No downloaded weights
exist here, so vaekit trains its own feature extractor per dataset; numbers computed
with it compare models evaluated on the same dataset with the same classifier, never
with published FIDs.

* Network: images ``(C, H, W)`` with H, W ≥ 8 go through two 4×4 stride-2 convolutions
  (16 and 32 channels, SiLU) and an adaptive average pool to 4×4; other data is
  flattened into a 256-unit SiLU layer. Then a 128-unit SiLU layer — the **features**
  ``(N, 128)`` — and a linear layer to the classes.
* Training: cross-entropy, Adam (lr 1e-3), batches of 128, ``epochs`` = 3 passes over
  at most 20,000 training examples (the first ones) — more passes when that is fewer
  than 500 optimizer steps (small datasets) —, initialisation and shuffling
  seeded with ``seed`` without touching torch's global generator. The accuracy on the
  validation split (at most 5,000 examples) is kept with the weights.
* Cache: ``<root>/features/<dataset>-<hash>.safetensors`` with ``root`` =
  ``$VAEKIT_CACHE`` or ``~/.cache/vaekit``; the hash covers the training images and
  labels, the data shape, the number of classes and every setting above, so other
  data or settings train a new classifier. Written atomically; an unreadable file is
  retrained and replaced.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as st_save
from torch import Tensor, nn

from vaekit.data.base import DataSplits
from vaekit.files import atomic_write
from vaekit.registry import VaekitError

FEATURES = 128
MAX_TRAIN, MAX_VAL, BATCH, LR, MIN_STEPS = 20_000, 5_000, 128, 1e-3, 500
VERSION = "1"  # bump when the network or the training changes


class FeatureNet(nn.Module):
    """Trunk → 128 features → class logits; see the module docstring for the layers."""

    def __init__(self, shape: Sequence[int], num_classes: int) -> None:
        super().__init__()
        if len(shape) == 3 and min(shape[1:]) >= 8:
            trunk: list[nn.Module] = [
                nn.Conv2d(shape[0], 16, 4, 2, 1),
                nn.SiLU(),
                nn.Conv2d(16, 32, 4, 2, 1),
                nn.SiLU(),
                nn.AdaptiveAvgPool2d(4),
                nn.Flatten(),
                nn.Linear(32 * 16, FEATURES),
            ]
        else:
            trunk = [
                nn.Flatten(),
                nn.Linear(math.prod(shape), 256),
                nn.SiLU(),
                nn.Linear(256, FEATURES),
            ]
        self.trunk = nn.Sequential(*trunk, nn.SiLU())
        self.head = nn.Linear(FEATURES, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits ``(B, K)``."""
        return self.head(self.trunk(x))

    @torch.no_grad()
    def features(self, x: Tensor, batch_size: int = 512) -> np.ndarray:
        """Penultimate-layer features of ``x (N, *shape)`` → ``(N, 128)`` float64 numpy."""
        device = next(self.parameters()).device
        self.eval()
        parts = [
            self.trunk(x[i : i + batch_size].to(device)).double().cpu()
            for i in range(0, len(x), batch_size)
        ]
        return torch.cat(parts).numpy()


@dataclass(frozen=True)
class FeatureClassifier:
    """A trained :class:`FeatureNet`, where it is cached, and whether this call trained it."""

    net: FeatureNet
    path: Path
    val_accuracy: float
    trained: bool


def cache_root() -> Path:
    """``$VAEKIT_CACHE`` or ``~/.cache/vaekit``."""
    return Path(os.environ.get("VAEKIT_CACHE") or Path.home() / ".cache" / "vaekit")


def _cache_path(data: DataSplits, epochs: int, seed: int) -> Path:
    h = hashlib.sha256()
    settings = [
        VERSION,
        list(data.shape),
        data.num_classes,
        epochs,
        seed,
        MAX_TRAIN,
        BATCH,
        LR,
        MIN_STEPS,
    ]
    h.update(json.dumps(settings).encode())
    train = data.train.batch(torch.arange(min(MAX_TRAIN, len(data.train))))
    h.update(train.x.cpu().contiguous().numpy().tobytes())
    h.update(train.y.cpu().numpy().tobytes())
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(data.name).stem) or "data"
    return cache_root() / "features" / f"{stem}-{h.hexdigest()[:16]}.safetensors"


def _load(path: Path, net: FeatureNet) -> float | None:
    """Load cached weights into ``net``; the stored val accuracy, or ``None`` if unreadable."""
    try:
        with safe_open(str(path), "pt") as f:
            state = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 - not a dict
            accuracy = float((f.metadata() or {})["val_accuracy"])
        net.load_state_dict(state)
    except (OSError, SafetensorError, RuntimeError, KeyError, ValueError):
        return None
    return accuracy


def _train(net: FeatureNet, data: DataSplits, epochs: int, seed: int) -> float:
    """Fit ``net`` on the training labels; return the validation accuracy."""
    device = next(net.parameters()).device
    b = data.train.batch(torch.arange(min(MAX_TRAIN, len(data.train)))).to(device)
    x, y = b.x, b.y
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(seed)
    net.train()
    for _ in range(max(epochs, math.ceil(MIN_STEPS / math.ceil(len(x) / BATCH)))):
        for idx in torch.randperm(len(x), generator=gen).split(BATCH):
            idx = idx.to(device)
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    net.eval()
    if not len(data.val) or data.val.y is None:
        return float("nan")
    b = data.val.batch(torch.arange(min(MAX_VAL, len(data.val))))
    vx, vy = b.x, b.y
    with torch.no_grad():
        pred = torch.cat(
            [net(vx[i : i + 512].to(device)).argmax(-1).cpu() for i in range(0, len(vx), 512)]
        )
    return (pred == vy.cpu()).double().mean().item()


def feature_classifier(
    data: DataSplits, *, device: torch.device | str = "cpu", epochs: int = 3, seed: int = 0
) -> FeatureClassifier:
    """The cached classifier for ``data``'s labels, trained (and cached) on first use."""
    if data.train.y is None or not data.num_classes:
        raise VaekitError(
            f"sample-quality features need a classifier trained on labels, and {data.name!r} "
            "has none (labelled datasets: digits, mnist5k, dsprites, or an .npz with y)"
        )
    path = _cache_path(data, epochs, seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = FeatureNet(data.shape, data.num_classes)
    accuracy = _load(path, net) if path.is_file() else None
    if accuracy is not None:
        return FeatureClassifier(net.to(device).eval(), path, accuracy, trained=False)
    accuracy = _train(net.to(device), data, epochs, seed)
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    blob = st_save(state, metadata={"val_accuracy": repr(accuracy), "dataset": data.name})
    atomic_write(path, lambda f: f.write(blob))
    return FeatureClassifier(net, path, accuracy, trained=True)
