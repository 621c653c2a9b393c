"""Helpers shared by tests (importable as ``support``: pytest's ``pythonpath`` is ``tests``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import load_file

TINY_VAE = [  # a VAE that trains an epoch on digits in a fraction of a second
    "data.subset=200",
    "train.batch_size=32",
    "eval.nll_samples=4",
    "eval.num_pictures=4",
    "model.latent_dim=4",
    "model.encoder.hidden=[32]",
    "model.decoder.hidden=[32]",
]


class Interrupt(Exception):
    """Raised by :func:`kill_at` to stop a run at an exact step."""


def kill_at(step: int) -> Callable[[int], None]:
    """An ``on_step`` hook that raises :class:`Interrupt` after optimizer step ``step``."""

    def hook(s: int) -> None:
        if s == step:
            raise Interrupt

    return hook


def weights(run_dir: Path) -> dict[str, torch.Tensor]:
    """A run's final weights."""
    return load_file(str(run_dir / "model.safetensors"))


def assert_same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    """Bit-for-bit equality of two state dicts."""
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def vaekit_cli(*args: object, code: int = 0) -> subprocess.CompletedProcess[str]:
    """``python -m vaekit ARGS`` in a subprocess; its exit code must be ``code``."""
    proc = subprocess.run(
        [sys.executable, "-m", "vaekit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc
