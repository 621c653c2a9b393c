"""Run configs: a model's defaults, a YAML file, shortcuts and ``--set`` items, validated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaekit.config import (
    DataConfig,
    EvalConfig,
    RunConfig,
    TrainConfig,
    apply_overrides,
    from_dict,
    load_yaml,
    parse_override,
)
from vaekit.models import MODELS
from vaekit.registry import ConfigError


def default_config(model: str = "vae") -> RunConfig:
    """The full default config of a registered model."""
    return RunConfig(model=MODELS.get(model)())


@dataclass
class _RunSections:
    """The non-model sections of a run config (validated separately from the model)."""

    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 0


def config_from_dict(data: dict[str, Any]) -> RunConfig:
    """Validate a nested dict (YAML) into a :class:`RunConfig`; unknown keys list valid ones,
    and values that cannot run (``epochs <= 0``, a negative ``lr``) are refused."""
    data = dict(data)
    model_section = data.pop("model", None) or {}
    if not isinstance(model_section, dict):
        raise ConfigError("config section 'model' must be a mapping")
    name = model_section.get("name", "vae")
    model_cfg = from_dict(MODELS.get(name), model_section, "model")
    base = from_dict(_RunSections, data)
    cfg = RunConfig(
        model=model_cfg, data=base.data, train=base.train, eval=base.eval, seed=base.seed
    )
    cfg.check()
    return cfg


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
