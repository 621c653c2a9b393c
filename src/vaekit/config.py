"""Run configuration: dataclasses, YAML in/out and dotted ``--set`` overrides.

A run config has four sections: ``model`` (the model's own config dataclass,
chosen by ``model.name``), ``data``, ``train`` and ``eval``, plus ``seed``.
Unknown keys are errors that list the valid keys.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vaekit.registry import ConfigError

SPLITS = ("train", "val", "test")
# fp32 everywhere, or bf16 autocast (matmuls and convolutions) in the steps
PRECISIONS = ("fp32", "bf16")
_EXP_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


@dataclass
class DataConfig:
    """Which data and how it is split and preprocessed.

    ``name`` is a registered dataset or a path (``.npy``/``.npz``, an MNIST IDX
    folder, a folder of images). ``subset`` keeps the first N training examples; the
    validation and test splits stay whole (``eval.max_examples`` and ``eval.budget`` bound
    the evaluation).
    ``binarize`` is ``none``, ``static`` (once, fixed seed) or ``dynamic``
    (training batches resampled every epoch; val/test binarized once).
    Splits depend on ``split_seed`` only, so they do not move with the run seed.
    ``storage`` says where examples live while training: ``memory`` (loaded whole; any
    dataset or path), ``mmap`` (a ``.npy`` file memory-mapped, the rows of each batch
    read from disk) or ``stream`` (a folder of images decoded per batch, for data larger
    than memory). ``workers`` is the number of worker processes that decode a streamed
    folder (0: in the main process).
    """

    name: str = "mnist5k"
    subset: int | None = None
    binarize: str = "dynamic"
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    split_seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    storage: str = "memory"
    workers: int = 2


@dataclass
class OptimizerConfig:
    """Settings of one named optimizer (``train.optimizers.<name>``).

    ``betas`` are Adam's (β1, β2) (``None``: the optimizer's default); ``schedule`` and
    ``warmup_steps`` shape this optimizer's learning rate; ``grad_clip`` clips the norm of
    its parameters' gradients.
    """

    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    betas: list[float] | None = None
    schedule: str = "constant"
    warmup_steps: int = 0
    grad_clip: float | None = None


@dataclass
class TrainConfig(OptimizerConfig):
    """The training engine's settings (one engine for every model).

    The keys of :class:`OptimizerConfig` (``optimizer`` ... ``grad_clip``) set the
    ``main`` optimizer; a model that declares more optimizers (a discriminator, an
    auxiliary entropy model) gets their settings from ``optimizers.<name>``, and where the
    config is silent the model's defaults are used and written into the saved config.
    ``batch_size`` is the global batch of a distributed run (``batch_size / N`` per
    rank); ``precision`` is ``fp32`` or ``bf16`` (autocast in the steps), ``compile``
    wraps each step in ``torch.compile``, ``dist_timeout_s`` bounds every collective;
    ``tensorboard`` and ``mlflow`` turn on the trackers of :mod:`vaekit.engine.tracking`.
    """

    epochs: int = 60
    batch_size: int = 128
    kl_warmup_epochs: float = 0.0
    early_stopping: int | None = None
    device: str = "auto"
    log_every: int = 10
    tensorboard: bool = False
    mlflow: bool = False
    mlflow_uri: str = "mlruns"
    mlflow_experiment: str = "vaekit"
    precision: str = "fp32"
    compile: bool = False
    dist_timeout_s: float = 300.0
    optimizers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def optimizer_settings(self, name: str) -> OptimizerConfig:
        """The settings of optimizer ``name``: ``main`` from the flat keys, any other from
        ``optimizers.<name>`` (checked against :class:`OptimizerConfig`)."""
        if name == "main":
            return OptimizerConfig(
                **{f.name: getattr(self, f.name) for f in dataclasses.fields(OptimizerConfig)}
            )
        return from_dict(OptimizerConfig, self.optimizers.get(name, {}), f"train.optimizers.{name}")

    def check(self) -> None:
        """Refuse values that cannot train (the optimizers are checked with the model)."""
        _at_least("train.epochs", self.epochs, 1)
        _at_least("train.batch_size", self.batch_size, 1)
        _at_least("train.log_every", self.log_every, 1)
        _at_least("train.kl_warmup_epochs", self.kl_warmup_epochs, 0)
        if self.early_stopping is not None:
            _at_least("train.early_stopping", self.early_stopping, 1)
        for key in ("lr", "weight_decay", "kl_warmup_epochs", "grad_clip"):
            _finite(f"train.{key}", getattr(self, key))
        if self.precision not in PRECISIONS:
            raise ConfigError(
                f"train.precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}"
            )
        if not 0 < self.dist_timeout_s < math.inf:
            raise ConfigError(f"train.dist_timeout_s must be > 0, got {self.dist_timeout_s}")


@dataclass
class EvalConfig:
    """Final-evaluation settings (also the defaults of ``vaekit evaluate``).

    ``max_examples`` evaluates a fixed random subset of that many examples of the split
    (``None``: all). ``budget`` bounds the final evaluation of ``vaekit train`` to that
    share of the training time (0.25: a quarter), both timed before training (a training
    step on a copy of the model, the evaluation on 256 examples); training lowers
    ``max_examples`` and ``nll_samples`` to fit and saves what it used (``None``: no
    bound). See :func:`vaekit.evaluation.budget.budgeted`.
    """

    nll_samples: int = 500
    memory_budget_mb: int = 256
    active_threshold: float = 0.01
    split: str = "test"
    num_pictures: int = 64
    max_examples: int | None = None
    budget: float | None = 0.25

    def check(self) -> None:
        """Refuse values that cannot evaluate; ``num_pictures = 0`` means no pictures."""
        _at_least("eval.nll_samples", self.nll_samples, 0)
        _at_least("eval.num_pictures", self.num_pictures, 0)
        _at_least("eval.active_threshold", self.active_threshold, 0)
        if self.max_examples is not None:
            _at_least("eval.max_examples", self.max_examples, 1)
        if self.budget is not None and not 0 < self.budget < math.inf:
            raise ConfigError(f"eval.budget must be > 0 (or null), got {self.budget}")
        _finite("eval.active_threshold", self.active_threshold)
        if not self.memory_budget_mb > 0:
            raise ConfigError(f"eval.memory_budget_mb must be > 0, got {self.memory_budget_mb}")
        if self.split not in SPLITS:
            raise ConfigError(f"eval.split must be one of {', '.join(SPLITS)}, got {self.split!r}")


@dataclass
class RunConfig:
    """A whole run: saved as ``config.yaml`` beside the weights."""

    model: Any
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (YAML-ready)."""
        return dataclasses.asdict(self)

    def check(self) -> None:
        """Refuse training and evaluation values that cannot run, before anything is made."""
        self.train.check()
        self.eval.check()
        if not 0 <= self.seed < 2**63:
            raise ConfigError(f"seed must be in 0..2**63-1, got {self.seed}")

    def to_yaml(self) -> str:
        """YAML text with sections in a stable, readable order."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


def from_dict(cls: type, data: dict[str, Any], where: str = "") -> Any:
    """Build dataclass ``cls`` from a nested dict, checking keys and coercing types."""
    if not isinstance(data, dict):
        raise ConfigError(f"config section {where or cls.__name__!r} must be a mapping")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"unknown config key {_join(where, unknown[0])!r}; valid keys"
            f"{' under ' + repr(where) if where else ''}: {', '.join(fields)}"
        )
    kwargs = {}
    for name, value in data.items():
        kwargs[name] = _coerce(hints[name], value, _join(where, name))
    return cls(**kwargs)


def _at_least(key: str, value: float, low: float) -> None:
    if not value >= low:  # written so that NaN fails too
        raise ConfigError(f"{key} must be >= {low}, got {value}")


def _finite(key: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise ConfigError(f"{key} must be a finite number, got {value}")


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _coerce(tp: Any, value: Any, where: str) -> Any:
    """Coerce ``value`` (YAML-parsed) to type hint ``tp`` or raise ConfigError."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, where)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, where)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{where}: bad value {value!r}")
    if tp is Any:
        return value
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        (arg, *_) = typing.get_args(tp) or (Any,)
        return [_coerce(arg, v, where) for v in value]
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a mapping, got {value!r}")
        (_, item) = typing.get_args(tp) or (Any, Any)
        return {k: _coerce(item, v, _join(where, str(k))) for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"{where} must be an integer, got {value!r}")
    if tp is float:
        if isinstance(value, str) and _EXP_FLOAT.fullmatch(value.strip()):
            return float(value)  # YAML 1.1 reads 1e-3 as a string
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{where} must be a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where} must be a string, got {value!r}")
    return value


def parse_override(item: str) -> tuple[list[str], Any]:
    """``"a.b=1e-3"`` → ``(["a", "b"], 0.001)``; the value is parsed as YAML."""
    if "=" not in item:
        raise ConfigError(f"--set expects key=value, got {item!r}")
    key, raw = item.split("=", 1)
    path = [p for p in key.strip().split(".") if p]
    if not path:
        raise ConfigError(f"--set expects key=value, got {item!r}")
    if _EXP_FLOAT.fullmatch(raw.strip()):
        return path, float(raw)  # YAML 1.1 would read 1e-3 as a string
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as e:
        raise ConfigError(f"--set {key}: cannot parse {raw!r}: {yaml_problem(e)}") from None
    return path, value


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested config as dotted keys: ``{"train": {"lr": 1e-3}}`` → ``{"train.lr": 1e-3}``
    (lists and empty mappings stay values)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def apply_overrides(data: dict[str, Any], items: list[str]) -> dict[str, Any]:
    """Apply dotted ``key=value`` overrides to a nested dict (returns a new dict).

    Keys are checked later against the dataclasses, so a typo lists the valid keys.
    Mapping-valued fields (part specs, ``data.options``) accept new sub-keys.
    """
    out = _deepcopy(data)
    for item in items:
        path, value = parse_override(item)
        node = out
        for i, key in enumerate(path[:-1]):
            child = node.get(key)
            if isinstance(child, str) and i >= 1:
                child = {"name": child}  # a part given by name gains options
                node[key] = child
            if child is None:
                child = {}
                node[key] = child
            if not isinstance(child, dict):
                raise ConfigError(
                    f"--set {'.'.join(path)}: {'.'.join(path[: i + 1])} is not a section"
                )
            node = child
        node[path[-1]] = value
    return out


def _deepcopy(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _deepcopy(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_deepcopy(v) for v in d]
    return d


def yaml_problem(e: yaml.YAMLError) -> str:
    """A one-line description of a YAML parse error (problem and position)."""
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    mark = getattr(e, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{where}"


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a dict, with a clear error when it is not one."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"config file {p} is not valid YAML: {yaml_problem(e)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p} must hold a mapping at top level")
    return data
