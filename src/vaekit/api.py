"""Python entry points; the CLI calls these and only formats their results.

>>> cfg = vaekit.api.make_config(model="vae", overrides=["train.epochs=5"])
>>> result = vaekit.api.train(cfg, out="runs/vae")
>>> run = vaekit.api.load("runs/vae")
>>> run.model.log_likelihood(x, k=1000)
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors import SafetensorError
from safetensors.torch import load_file

from vaekit import __version__
from vaekit import files as F
from vaekit.api_prior import attach_prior
from vaekit.config import (
    DataConfig,
    EvalConfig,
    RunConfig,
    TrainConfig,
    apply_overrides,
    from_dict,
    load_yaml,
    parse_override,
    yaml_problem,
)
from vaekit.data import DataError, DataSplits, load_data
from vaekit.diagnose import Diagnosis, write_diagnosis
from vaekit.engine import Trainer, resolve_device, seed_everything
from vaekit.evaluation import named_metrics  # noqa: F401  (registers the --metrics names)
from vaekit.evaluation.codebook import code_counts
from vaekit.evaluation.registry import EVAL_METRICS
from vaekit.evaluation.report import EvalResult, evaluate_model
from vaekit.evaluation.verdict import CollapseThresholds
from vaekit.models import MODELS, LatentModel
from vaekit.registry import ConfigError, VaekitError
from vaekit.viz import save_codebook_usage, save_curves, save_grid, save_kl_bars


class RunDirError(VaekitError):
    """A run directory that is missing, incomplete or corrupt, or would be overwritten."""


def default_config(model: str = "vae") -> RunConfig:
    """The full default config of a registered model."""
    return RunConfig(model=MODELS.get(model)())


def config_from_dict(data: dict[str, Any]) -> RunConfig:
    """Validate a nested dict (YAML) into a :class:`RunConfig`; unknown keys list valid ones."""
    data = dict(data)
    model_section = data.pop("model", None) or {}
    if not isinstance(model_section, dict):
        raise ConfigError("config section 'model' must be a mapping")
    name = model_section.get("name", "vae")
    model_cfg = from_dict(MODELS.get(name), model_section, "model")
    base = from_dict(_RunSections, data)
    return RunConfig(
        model=model_cfg, data=base.data, train=base.train, eval=base.eval, seed=base.seed
    )


@dataclass
class _RunSections:
    """The non-model sections of a run config (validated separately from the model)."""

    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 0


def make_config(
    config_file: str | Path | None = None,
    model: str | None = None,
    data: str | None = None,
    epochs: int | None = None,
    overrides: Sequence[str] = (),
) -> RunConfig:
    """Defaults of the model, then the YAML file, then the shortcuts, then ``--set`` items."""
    given = load_yaml(config_file) if config_file else {}
    named = [v for path, v in map(parse_override, overrides) if path == ["model", "name"]]
    name = model or (named[-1] if named else None) or (given.get("model") or {}).get("name")
    name = name or "vae"
    merged = _merge(default_config(name).to_dict(), given)
    merged["model"]["name"] = name
    if data is not None:
        merged["data"]["name"] = data
    if epochs is not None:
        merged["train"]["epochs"] = epochs
    return config_from_dict(apply_overrides(merged, list(overrides)))


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


# -- runs -------------------------------------------------------------------------------------
@dataclass
class Run:
    """A trained run loaded from its directory: config, model (on ``device``) and metadata."""

    run_dir: Path
    config: RunConfig
    model: LatentModel
    meta: dict[str, Any]


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns: the run, its final evaluation and the written pictures."""

    run: Run
    results: EvalResult
    pictures: dict[str, Path]
    epochs: int
    seconds: float


def _read(run_dir: Path, name: str) -> Path:
    path = run_dir / name
    if not path.is_file():
        raise RunDirError(f"{run_dir} is missing {name}: not a complete vaekit run directory")
    return path


def load_run_config(run_dir: str | Path) -> RunConfig:
    """The resolved config saved in a run directory."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunDirError(f"run directory not found: {run_dir}")
    try:
        return config_from_dict(yaml.safe_load(_read(run_dir, F.CONFIG).read_text()) or {})
    except yaml.YAMLError as e:
        raise RunDirError(f"{run_dir}/{F.CONFIG} is corrupt: {yaml_problem(e)}") from None
    except ConfigError as e:
        raise RunDirError(f"{run_dir}/{F.CONFIG} is corrupt: {e}") from None


def load_meta(run_dir: Path) -> dict[str, Any]:
    """Shapes and versions saved beside the weights."""
    try:
        return json.loads(_read(run_dir, F.META).read_text())
    except json.JSONDecodeError as e:
        raise RunDirError(f"{run_dir}/{F.META} is corrupt: {e}") from None


def load(run_dir: str | Path, device: str = "auto", weights: str = F.WEIGHTS) -> Run:
    """Load a run directory: config, metadata and weights, model in eval mode on ``device``."""
    run_dir = Path(run_dir)
    cfg = load_run_config(run_dir)
    meta = load_meta(run_dir)
    model = cfg.model.build(meta["input_shape"], meta.get("num_classes"))
    try:
        state = load_file(str(_read(run_dir, weights)))
        model.load_state_dict(state)
    except (SafetensorError, RuntimeError) as e:
        raise RunDirError(
            f"{run_dir}/{weights} is corrupt or does not fit the config: {str(e).splitlines()[0]}"
        ) from None
    attach_prior(run_dir, model)  # a quantized run's prior over codes, once trained
    return Run(run_dir, cfg, model.to(resolve_device(device)).eval(), meta)


def _prepare_dir(out: Path, overwrite: bool) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not overwrite:
            raise RunDirError(
                f"{out} already exists; pass --overwrite to replace it, or "
                f"--resume {out} to continue it"
            )
        if not (out / F.CONFIG).is_file():
            raise RunDirError(f"{out} is not a vaekit run directory; refusing to overwrite it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _default_out(cfg: RunConfig) -> Path:
    data = Path(cfg.data.name).stem
    return Path("runs") / f"{cfg.model.name}-{data}-{time.strftime('%Y%m%d-%H%M%S')}"


def load_splits(cfg: RunConfig) -> DataSplits:
    """Load the run's data."""
    return load_data(cfg.data)


def train(
    cfg: RunConfig,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train a new run into ``out`` (exactly that folder), evaluate it and draw its pictures.

    Everything that can be checked (data, model, optimizer, device) is checked before
    the folder is made, so a bad config leaves nothing behind.
    """
    start = time.perf_counter()
    run_dir = Path(out) if out is not None else _default_out(cfg)
    data = load_splits(cfg)
    model, trainer = _trainer(cfg, data, run_dir, progress, on_step)
    _prepare_dir(run_dir, overwrite)
    F.write_text(run_dir / F.CONFIG, cfg.to_yaml())
    F.write_json(
        run_dir / F.META,
        {
            "input_shape": list(data.shape),
            "num_classes": data.num_classes,
            "data": data.name,
            "vaekit": __version__,
            "torch": torch.__version__,
        },
    )
    return _finish(cfg, run_dir, data, model, trainer, start)


def resume(
    run_dir: str | Path,
    epochs: int | None = None,
    progress: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    """Continue a run from its checkpoint; ``epochs`` extends a finished run."""
    start = time.perf_counter()
    run_dir = Path(run_dir)
    cfg = load_run_config(run_dir)
    _read(run_dir, F.CHECKPOINT)
    load_meta(run_dir)
    if epochs is not None:
        cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, epochs=epochs))
    data = load_splits(cfg)
    model, trainer = _trainer(cfg, data, run_dir, progress, on_step)
    trainer.restore()
    if epochs is not None:
        F.write_text(run_dir / F.CONFIG, cfg.to_yaml())
    return _finish(cfg, run_dir, data, model, trainer, start)


def _trainer(
    cfg: RunConfig,
    data: DataSplits,
    run_dir: Path,
    progress: bool,
    on_step: Callable[[int], None] | None,
) -> tuple[LatentModel, Trainer]:
    """Seed, build the model on its device and the engine around it (nothing written yet)."""
    device = resolve_device(cfg.train.device)
    seed_everything(cfg.seed)
    model = cfg.model.build(data.shape, data.num_classes).to(device)
    return model, Trainer(model, data, cfg.train, run_dir, cfg.seed, device, progress, on_step)


def _finish(
    cfg: RunConfig,
    run_dir: Path,
    data: DataSplits,
    model: LatentModel,
    trainer: Trainer,
    start: float,
) -> TrainResult:
    """Train, then evaluate and draw the pictures."""
    state = trainer.fit()
    run = Run(run_dir, cfg, model.eval(), load_meta(run_dir))
    results = evaluate(run, data=data)
    F.write_json(run_dir / F.RESULTS, results.to_dict())
    pictures = draw_pictures(run, data, results, state.history)
    return TrainResult(run, results, pictures, state.epoch, time.perf_counter() - start)


# -- evaluation ----------------------------------------------------------------------------
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


def split_of(data: DataSplits, split: str) -> Any:
    """One split of the data by name; an unknown name lists train, val, test."""
    if split not in ("train", "val", "test"):
        raise ConfigError(f"unknown split {split!r}; valid choices: test, train, val")
    return getattr(data, split)


def evaluate(
    run: Run,
    data: DataSplits | None = None,
    split: str | None = None,
    nll_samples: int | None = None,
    metrics: Sequence[str] = (),
) -> EvalResult:
    """Evaluate a run on a split (default: the config's ``eval`` section).

    ``metrics`` names entries of :data:`vaekit.evaluation.registry.EVAL_METRICS` whose
    results are added to the result's ``extras``.
    """
    factories = [EVAL_METRICS.get(name) for name in metrics]  # unknown names fail first
    ecfg = run.config.eval
    if nll_samples is not None:
        if nll_samples < 0:
            raise ConfigError(f"nll samples must be >= 0, got {nll_samples}")
        ecfg = dataclasses.replace(ecfg, nll_samples=nll_samples)
    split = split or ecfg.split
    splits = data if data is not None else load_eval_data(run)
    ds = split_of(splits, split)
    device = next(run.model.parameters()).device
    x, y = ds.batch(torch.arange(len(ds)))
    result = evaluate_model(
        run.model, x.to(device), None if y is None else y.to(device), ecfg, split
    )
    for factory in factories:
        result.extras.update(factory(run, splits, split))
    return result


def diagnose(
    run: Run,
    data: DataSplits | None = None,
    split: str = "test",
    active_threshold: float | None = None,
    kl_threshold: float = 0.01,
) -> Diagnosis:
    """Collapse and information diagnostics of a split, written into the run directory.

    ``active_threshold`` defaults to the config's ``eval.active_threshold``; see
    :mod:`vaekit.diagnose` for the files and :mod:`vaekit.evaluation.verdict` for the verdict.
    """
    splits = data if data is not None else load_eval_data(run)
    active = run.config.eval.active_threshold if active_threshold is None else active_threshold
    return write_diagnosis(
        run.model,
        run.run_dir,
        split_of(splits, split),
        splits.factor_names,
        split=split,
        thresholds=CollapseThresholds(active=active, kl=kl_threshold),
    )


def draw_pictures(
    run: Run, data: DataSplits, results: EvalResult, history: Sequence[dict[str, float]]
) -> dict[str, Path]:
    """Reconstructions, prior samples, KL bars and training curves as PNGs in the run dir."""
    model, n = run.model, run.config.eval.num_pictures
    device = next(model.parameters()).device
    x, y = data.test.batch(torch.arange(min(n, len(data.test))))
    x, y = x.to(device), None if y is None else y.to(device)
    pics: dict[str, Path] = {}
    if len(x.shape) == 4 or _is_square(x.shape[-1]):
        recon = model.reconstruct(x, y)
        pairs = torch.stack([x, recon], 1).flatten(0, 1)
        pics["reconstructions"] = save_grid(pairs, run.run_dir / "reconstructions.png", ncol=16)
        if model.prior is not None:
            pics["samples"] = save_grid(model.sample(n), run.run_dir / "samples.png")
    if results.kl_per_dim is not None:
        active = [d in results.active_dims for d in range(len(results.kl_per_dim))]
        pics["kl_per_dim"] = save_kl_bars(
            results.kl_per_dim, run.run_dir / "kl_per_dim.png", results.active_threshold, active
        )
    if history:
        pics["curves"] = save_curves(history, run.run_dir / "curves.png")
    if (codebook := draw_codebook_usage(run, data)) is not None:
        pics["codebook_usage"] = codebook
    return pics


def draw_codebook_usage(run: Run, data: DataSplits, split: str = "test") -> Path | None:
    """A quantized model's code-usage histogram on ``split`` as ``codebook_usage_<split>.png``.

    ``None`` for models without a quantizer.
    """
    if not hasattr(run.model, "quantizer"):
        return None
    x = split_of(data, split).float_x().to(next(run.model.parameters()).device)
    counts = code_counts(run.model, x)
    return save_codebook_usage(
        counts, run.run_dir / f"codebook_usage_{split}.png", title=f"{split}: "
    )


def _is_square(d: int) -> bool:
    r = int(d**0.5)
    return r * r == d
