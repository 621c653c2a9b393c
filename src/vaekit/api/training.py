"""Training a run: a new one into a fresh run directory, or an interrupted one resumed.

Both hold the run's lock throughout. A run goes: config and meta, epochs (a checkpoint
each), then the stages of :data:`vaekit.rundir.STAGES` — final weights, evaluation,
pictures; :func:`resume` does whatever is left of that, from wherever a kill stopped it.

Under ``torchrun`` every rank trains and rank 0 alone holds the lock and writes
(:mod:`vaekit.engine.distributed`); the other ranks return ``None`` once training ends,
while rank 0 evaluates and draws the pictures.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from vaekit.api.evaluating import evaluate, read_results, split_of
from vaekit.api.interrupts import resume_hint
from vaekit.api.pictures import draw_pictures
from vaekit.api.prior import PRIOR_DIR
from vaekit.api.runs import Run, as_run_dir, load_run_config
from vaekit.config import RunConfig, flatten
from vaekit.data import DataSplits, load_data
from vaekit.engine import Trainer, resolve_device, resolve_optimizers, seed_everything
from vaekit.engine.distributed import World, on_main, process_group, rank_device
from vaekit.engine.tracking import Tracker, check_extras, open_trackers
from vaekit.evaluation.budget import budgeted, measure_costs
from vaekit.evaluation.result import EvalResult
from vaekit.faults import fault_point, with_step_fault
from vaekit.progress import note
from vaekit.registry import ConfigError, VaekitError
from vaekit.rundir import RunDir, RunDirError
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
    """``runs/<model>-<data>-<timestamp>``: where a run goes without ``--out`` (with
    ``-2``, ``-3``, ... when a run started in the same second already has the name)."""
    data = Path(cfg.data.name).stem
    base = Path("runs") / f"{cfg.model.name}-{data}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def train(
    cfg: RunConfig,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult | None:
    """Train a new run into ``out`` (exactly that folder), evaluate it and draw its pictures.

    Everything that can be checked (config values, data, model, optimizers, device) is
    checked before the folder is made, so a bad config leaves nothing behind. The saved
    config records the settings of every optimizer the model declares. ``overwrite``
    replaces an existing run, after taking its lock: never one that another process is
    writing. Under ``torchrun``, ranks other than 0 return ``None``.
    """
    start = time.perf_counter()
    cfg.check()
    device = resolve_device(cfg.train.device)
    with process_group(device, cfg.train.dist_timeout_s) as world:
        run_dir = RunDir(out if out is not None else default_out(cfg))
        data = load_data(cfg.data)
        cfg, model, trainer = _assemble(cfg, data, run_dir, progress, on_step, device, world)
        try:
            with _lock(run_dir, world, make=True):
                on_main(world, lambda: run_dir.create(overwrite))
                return _start(cfg, run_dir, data, model, trainer, start, budget=True)
        finally:
            trainer.release()


def resume(
    run_dir: str | Path | RunDir,
    epochs: int | None = None,
    progress: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult | None:
    """Finish an interrupted run: the epochs left, then each stage not done; ``epochs``
    changes the number of epochs (more than done: extends a finished run).

    A run killed before its first checkpoint starts again from its saved config (same
    seed, same result). Only a complete run is refused, as having nothing to do. Under
    ``torchrun`` every rank reads the checkpoint (a filesystem all ranks share) and
    restores its own RNG state; ranks other than 0 return ``None``.
    """
    start = time.perf_counter()
    rd = as_run_dir(run_dir)
    cfg = load_run_config(rd)
    device = resolve_device(cfg.train.device)
    with process_group(device, cfg.train.dist_timeout_s) as world, _lock(rd, world):
        if rd.has(RunDir.META) or rd.has(RunDir.CHECKPOINT):
            rd.read_meta()  # a run of a newer vaekit is refused here
        if epochs is None and rd.complete():  # said before the data and model are loaded
            rd.check_resumable(len(rd.read_metrics()), finished=True, epochs=None)
        if epochs is not None:
            cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, epochs=epochs))
            cfg.check()
        data = load_data(cfg.data)
        cfg, model, trainer = _assemble(cfg, data, rd, progress, on_step, device, world)
        try:
            if not rd.has(RunDir.CHECKPOINT):  # killed before the first epoch ended
                return _start(cfg, rd, data, model, trainer, start, budget=False)
            trainer.restore()
            rd.check_resumable(trainer.state.epoch, trainer.finished, epochs)
            prior = rd.child(PRIOR_DIR)
            if not trainer.finished and prior.path.is_dir() and any(prior.path.iterdir()):
                raise RunDirError(
                    f"{rd} has a prior over its codes ({prior}); more epochs would change the "
                    "codes under it: move it away first, then `vaekit train-prior` again"
                )
            if world.main and not trainer.finished and rd.stages_done():
                rd.clear_stages()  # more epochs: weights, results and pictures are out of date
            if world.main and epochs is not None:
                rd.write_config(cfg.to_yaml())
            return _finish(cfg, rd, data, model, trainer, start)
        finally:
            trainer.release()


def _lock(run_dir: RunDir, world: World, make: bool = False) -> contextlib.AbstractContextManager:
    """The run's lock, held by rank 0 (the only writer); nothing on other ranks."""
    return run_dir.lock(make=make) if world.main else contextlib.nullcontext()


def _assemble(
    cfg: RunConfig,
    data: DataSplits,
    run_dir: RunDir,
    progress: bool,
    on_step: Callable[[int], None] | None,
    device: torch.device,
    world: World,
) -> tuple[RunConfig, nn.Module, Trainer]:
    """Seed, build the model on its device, resolve its optimizers and the engine around it
    (nothing written yet). Every rank builds the same model; then each draws its own
    random numbers (rank ``r`` reseeded with ``seed + r``)."""
    device = rank_device(world, device)
    _check_splits(cfg, data)
    check_extras(cfg.train)
    seed_everything(cfg.seed)
    model = _build(cfg, data).to(device)
    if world.rank:
        seed_everything(cfg.seed + world.rank)
    cfg = dataclasses.replace(cfg, train=resolve_optimizers(cfg.train, model.optimizers()))
    on_step = with_step_fault(on_step)
    trainer = Trainer(
        model, data, cfg.train, run_dir, cfg.seed, device, progress, on_step, world=world
    )
    return cfg, model, trainer


def _check_splits(cfg: RunConfig, data: DataSplits) -> None:
    """Refuse an empty validation split (checked every epoch) or evaluation split."""
    if len(data.val) == 0:
        raise ConfigError(
            f"data.val_fraction={cfg.data.val_fraction} leaves no validation examples; "
            "training validates every epoch"
        )
    if len(split_of(data, cfg.eval.split)) == 0:
        raise ConfigError(
            f"the {cfg.eval.split} split is empty (data.val_fraction, data.test_fraction); "
            "eval.split needs examples"
        )


def _build(cfg: RunConfig, data: DataSplits) -> nn.Module:
    """The configured model; sizes that torch refuses, or layers of zero width, are a
    :class:`ConfigError` (one line) rather than a traceback or a model that cannot learn."""
    try:
        with warnings.catch_warnings():  # torch warns of zero-size layers, refused below
            warnings.filterwarnings("ignore", "Initializing zero-element tensors")
            model = cfg.model.build(data.shape, data.num_classes)
    except (RuntimeError, ValueError) as e:
        if isinstance(e, VaekitError):
            raise
        raise ConfigError(f"model: {str(e).splitlines()[0]}") from None
    empty = [name for name, p in model.named_parameters() if p.numel() == 0]
    if empty:
        raise ConfigError(f"model: {empty[0]} has no elements: a size in the model config is 0")
    return model


def _start(
    cfg: RunConfig,
    run_dir: RunDir,
    data: DataSplits,
    model: nn.Module,
    trainer: Trainer,
    start: float,
    budget: bool,
) -> TrainResult:
    """Fit the final evaluation to its budget (``budget``: a new run; a resumed one keeps
    what it saved), write the config and meta into the (locked) run directory, then train
    from epoch 0."""
    if budget and cfg.eval.budget is not None:  # every rank alike; rank 0's is used
        split = split_of(data, cfg.eval.split)
        costs = measure_costs(model, data.train, split, cfg.eval.nll_samples, cfg.train.batch_size)
        eval_cfg = budgeted(cfg.eval, costs, len(data.train), cfg.train.epochs, len(split))
        cfg = dataclasses.replace(cfg, eval=eval_cfg)
    if trainer.world.main:
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
        fault_point("stage:created")
    return _finish(cfg, run_dir, data, model, trainer, start)


def _finish(
    cfg: RunConfig,
    run_dir: RunDir,
    data: DataSplits,
    model: nn.Module,
    trainer: Trainer,
    start: float,
) -> TrainResult | None:
    """Train the epochs left and write the final weights, then evaluate and draw the
    pictures; each stage already done is skipped (the evaluation read back). Ctrl-C
    ends in :class:`~vaekit.api.interrupts.Interrupted`, saying what resuming will do.
    Ranks other than 0 stop after training (``None``)."""
    if trainer.world.main:
        _announce(cfg, run_dir, data, trainer)
    with contextlib.ExitStack() as stack:
        if trainer.world.main:
            trainer.trackers = _trackers(cfg, run_dir, stack)
        stack.enter_context(resume_hint(run_dir, trainer, f"vaekit train --resume {run_dir}"))
        state = trainer.fit()
        if not trainer.world.main:
            return None
        run = Run(run_dir, cfg, model.eval(), run_dir.read_meta())
        if run_dir.done("evaluation"):
            results = read_results(run_dir)
        else:
            results = evaluate(run, data=data)
            run_dir.write_json(RunDir.RESULTS, results.to_dict())
            run_dir.mark_done("evaluation")
            fault_point("stage:evaluation")
        pictures = draw_pictures(run, data, results, state.history)
        run_dir.mark_done("pictures")
        final = {f"final_{k}": v for k, v in flatten(results.to_dict()).items()}
        for tracker in trainer.trackers:
            tracker.metrics(_numbers(final), state.epoch)
    return TrainResult(run, results, pictures, state.epoch, time.perf_counter() - start)


def _trackers(cfg: RunConfig, run_dir: RunDir, stack: contextlib.ExitStack) -> list[Tracker]:
    """The configured experiment trackers, given the run's config as parameters and
    closed when ``stack`` ends."""
    trackers = open_trackers(cfg.train, run_dir)
    for tracker in trackers:
        stack.callback(tracker.close)
        tracker.params(flatten(cfg.to_dict()))
    return trackers


def _numbers(values: dict[str, object]) -> dict[str, float]:
    """The finite numbers among ``values`` (a tracker's metrics; booleans and text left out)."""
    return {
        k: float(v)
        for k, v in values.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    }


def _announce(cfg: RunConfig, run_dir: RunDir, data: DataSplits, trainer: Trainer) -> None:
    """Say up front (when progress is shown) how many epochs are left and what the final
    evaluation will cost."""
    if not trainer.finished:
        done = trainer.state.epoch
        n = cfg.train.epochs
        left = f"epochs {done + 1}-{n}" if done else f"{n} epoch{'s' if n > 1 else ''}"
        subset = " (data.subset: the training split only)" if cfg.data.subset else ""
        note(f"training {left} on {len(data.train)} {data.name} examples{subset} into {run_dir}")
    if not run_dir.done("evaluation"):
        e, size = cfg.eval, len(split_of(data, cfg.eval.split))
        n = size if e.max_examples is None else min(size, e.max_examples)
        what = f"{n} of {size} {e.split} examples" if n < size else f"all {n} {e.split} examples"
        nll = f", IS-NLL with k={e.nll_samples}" if e.nll_samples else ""
        bound = (
            f" (eval.budget={e.budget:g}: at most {e.budget:.0%} of the training time, as "
            "timed before training; --set eval.budget=null for no bound)"
            if e.budget is not None
            else ""
        )
        note(f"final evaluation: {what}{nll}{bound}")
