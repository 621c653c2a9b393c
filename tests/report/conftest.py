"""Run directories written by hand (no training): what ``vaekit report`` reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from PIL import Image

from vaekit.rundir import STAGES, RunDir


def write_png(path: Path, width: int = 24, height: int = 16) -> None:
    """A small random greyscale PNG."""
    pixels = np.random.default_rng(0).integers(0, 255, (height, width), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """``make_run(name, model=..., results=..., ...)``: a run directory with the given files;
    ``results=None`` leaves a killed run (checkpoint and curves, no results or stages)."""

    def make(
        name: str,
        model: str = "vae",
        results: dict[str, Any] | None = None,
        losses: tuple[float, ...] = (5.0, 4.0),
        pictures: tuple[str, ...] = ("reconstructions.png",),
        diagnostics: dict[str, Any] | None = None,
        lr: float = 1e-3,
    ) -> Path:
        run = RunDir(tmp_path / name)
        run.path.mkdir()
        config = {"model": {"name": model, "latent_dim": 4}, "train": {"lr": lr, "epochs": 2}}
        run.write_config(yaml.safe_dump(config, sort_keys=False))
        run.write_meta({"input_shape": [1, 8, 8], "data": "digits"})
        run.write_metrics(
            {"epoch": e + 1, "train_loss": v, "val_loss": v + 0.5} for e, v in enumerate(losses)
        )
        (run / "checkpoint.pt").write_bytes(b"")
        if results is not None:
            run.write_json(RunDir.RESULTS, results)
            for stage in STAGES:
                run.mark_done(stage)
        if diagnostics is not None:
            run.write_json("diagnostics.json", diagnostics)
        for picture in pictures:
            write_png(run / picture)
        return run.path

    return make
