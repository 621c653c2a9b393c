"""Training a run: a new one into a fresh run directory, or an interrupted one resumed."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from vaekit.api.evaluating import evaluate
from vaekit.api.pictures import draw_pictures
from vaekit.api.runs import Run, as_run_dir, load_run_config
from vaekit.config import RunConfig
from vaekit.data import DataSplits, load_data
from vaekit.engine import Trainer, resolve_device, resolve_optimizers, seed_everything
from vaekit.evaluation.result import EvalResult
from vaekit.rundir import RunDir
from vaekit.version import __version__


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns: the run, its final evaluation and the written pictures."""

    run: Run
    results: EvalResult
    pictures: dict[str, Path]
    epochs: int
    seconds: float


def default_out(cfg: RunConfig) -> Path:
    """``runs/<model>-<data>-<timestamp>``: where a run goes without ``--out``."""
    data = Path(cfg.data.name).stem
    return Path("runs") / f"{cfg.model.name}-{data}-{time.strftime('%Y%m%d-%H%M%S')}"


def train(
    cfg: RunConfig,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train a new run into ``out`` (exactly that folder), evaluate it and draw its pictures.

    Everything that can be checked (config values, data, model, optimizers, device) is
    checked before the folder is made, so a bad config leaves nothing behind. The saved
    config records the settings of every optimizer the model declares.
    """
    start = time.perf_counter()
    cfg.check()
    run_dir = RunDir(out if out is not None else default_out(cfg))
    data = load_data(cfg.data)
    cfg, model, trainer = _assemble(cfg, data, run_dir, progress, on_step)
    run_dir.create(overwrite)
    run_dir.write_config(cfg.to_yaml())
    run_dir.write_meta(
        {
            "input_shape": list(data.shape),
            "num_classes": data.num_classes,
            "data": data.name,
            "vaekit": __version__,
            "torch": torch.__version__,
        }
    )
    return _finish(cfg, run_dir, data, model, trainer, start)


def resume(
    run_dir: str | Path | RunDir,
    epochs: int | None = None,
    progress: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    """Continue a run from its checkpoint; ``epochs`` extends a finished run."""
    start = time.perf_counter()
    rd = as_run_dir(run_dir)
    cfg = load_run_config(rd)
    rd.require(RunDir.CHECKPOINT, "a resumable run: nothing to resume")
    rd.read_meta()
    if epochs is not None:
        cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, epochs=epochs))
        cfg.check()
    data = load_data(cfg.data)
    cfg, model, trainer = _assemble(cfg, data, rd, progress, on_step)
    trainer.restore()
    if epochs is not None:
        rd.write_config(cfg.to_yaml())
    return _finish(cfg, rd, data, model, trainer, start)


def _assemble(
    cfg: RunConfig,
    data: DataSplits,
    run_dir: RunDir,
    progress: bool,
    on_step: Callable[[int], None] | None,
) -> tuple[RunConfig, nn.Module, Trainer]:
    """Seed, build the model on its device, resolve its optimizers and the engine around it
    (nothing written yet)."""
    device = resolve_device(cfg.train.device)
    seed_everything(cfg.seed)
    model = cfg.model.build(data.shape, data.num_classes).to(device)
    cfg = dataclasses.replace(cfg, train=resolve_optimizers(cfg.train, model.optimizers()))
    trainer = Trainer(model, data, cfg.train, run_dir, cfg.seed, device, progress, on_step)
    return cfg, model, trainer


def _finish(
    cfg: RunConfig,
    run_dir: RunDir,
    data: DataSplits,
    model: nn.Module,
    trainer: Trainer,
    start: float,
) -> TrainResult:
    """Train, then evaluate and draw the pictures."""
    state = trainer.fit()
    run = Run(run_dir, cfg, model.eval(), run_dir.read_meta())
    results = evaluate(run, data=data)
    run_dir.write_json(RunDir.RESULTS, results.to_dict())
    pictures = draw_pictures(run, data, results, state.history)
    return TrainResult(run, results, pictures, state.epoch, time.perf_counter() - start)
