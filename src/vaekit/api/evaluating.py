"""Evaluating a run: the built-in report and named metrics, seeded so that it repeats."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import fields
from typing import TYPE_CHECKING

import torch

from vaekit.config import SPLITS
from vaekit.data import DataError, DataSplits, load_data
from vaekit.evaluation import named_metrics  # noqa: F401  (registers the --metrics names)
from vaekit.evaluation.budget import capped
from vaekit.evaluation.registry import EVAL_METRICS
from vaekit.evaluation.report import evaluate_model
from vaekit.evaluation.result import EvalResult
from vaekit.progress import phase
from vaekit.registry import ConfigError
from vaekit.rundir import RunDir, RunDirError
from vaekit.types import DataSource

if TYPE_CHECKING:
    from vaekit.api.runs import Run


def load_eval_data(run: Run, data: str | None = None) -> DataSplits:
    """The run's own data, or another dataset/path checked against the model's input shape."""
    cfg = (
        run.config.data
        if data is None
        else dataclasses.replace(run.config.data, name=data, subset=None, options={})
    )
    splits = load_data(cfg)
    expected = tuple(run.meta["input_shape"])
    if tuple(splits.shape) != expected:
        raise DataError(
            f"data {cfg.name!r} has examples of shape {tuple(splits.shape)}; the "
            f"model expects {expected}"
        )
    return splits


def split_of(data: DataSplits, split: str) -> DataSource:
    """One split of the data by name; an unknown name lists train, val, test."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; valid choices: {', '.join(SPLITS)}")
    return getattr(data, split)


def evaluate(
    run: Run,
    data: DataSplits | None = None,
    split: str | None = None,
    nll_samples: int | None = None,
    metrics: Sequence[str] = (),
    seed: int = 0,
    max_examples: int | None = None,
) -> EvalResult:
    """Evaluate a run on a split (default: the config's ``eval`` section), or on the
    fixed subset of ``eval.max_examples`` of its examples.

    Random draws (posterior samples, importance samples) come from generators seeded with
    ``seed`` inside a forked RNG state, so the same call gives the same numbers and the
    caller's random state is untouched. ``max_examples`` replaces the config's (0: every
    example of the split). ``metrics`` names entries of
    :data:`vaekit.evaluation.registry.EVAL_METRICS` whose results join ``extras``.
    """
    factories = [EVAL_METRICS.get(name) for name in metrics]  # unknown names fail first
    ecfg = run.config.eval
    if nll_samples is not None:
        ecfg = dataclasses.replace(ecfg, nll_samples=nll_samples)
    if max_examples is not None:
        ecfg = dataclasses.replace(ecfg, max_examples=max_examples or None)
    ecfg.check()
    split = split or ecfg.split
    splits = data if data is not None else load_eval_data(run)
    ds = capped(split_of(splits, split), ecfg.max_examples)
    device = next(run.model.parameters()).device
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        result = evaluate_model(run.model, ds, ecfg, split)
        for name, factory in zip(metrics, factories, strict=True):
            with phase(f"metric {name}"):
                result.extras.update(factory(run, splits, split))
    return result


def read_results(run_dir: RunDir) -> EvalResult:
    """The evaluation saved in ``results.json`` (what :meth:`EvalResult.to_dict` wrote)."""
    data = run_dir.read_json(RunDir.RESULTS)
    names = [f.name for f in fields(EvalResult) if f.name != "extras"]
    if not isinstance(data, dict) or not set(names) <= set(data):
        raise RunDirError(f"{run_dir / RunDir.RESULTS} is corrupt: not a vaekit evaluation")
    extras = {k: v for k, v in data.items() if k not in names}
    return EvalResult(**{k: data[k] for k in names}, extras=extras)
