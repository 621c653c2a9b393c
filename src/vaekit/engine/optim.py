"""Optimizers and learning-rate schedules by name, and a model's optimizers resolved
against the config.

A schedule is a function ``(step, total_steps) -> factor`` applied to the base
learning rate; its only state is the step counter, which the checkpoint holds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
from torch import nn

from vaekit.config import OptimizerConfig, TrainConfig, from_dict
from vaekit.registry import ConfigError, Registry
from vaekit.types import ParamGroup

OPTIMIZERS: Registry[torch.optim.Optimizer] = Registry("optimizer")
SCHEDULES: Registry[float] = Registry("schedule")

OPTIMIZERS.register("adam", "Adam (Kingma & Ba 2015)")(torch.optim.Adam)
OPTIMIZERS.register("adamw", "AdamW, decoupled weight decay (Loshchilov & Hutter 2019)")(
    torch.optim.AdamW
)
OPTIMIZERS.register("sgd", "SGD with momentum 0.9")(
    lambda params, lr, weight_decay: torch.optim.SGD(
        params, lr=lr, momentum=0.9, weight_decay=weight_decay
    )
)
_HAS_BETAS = ("adam", "adamw")


@SCHEDULES.register("constant")
def constant(step: int, total: int) -> float:
    """Constant learning rate."""
    return 1.0


@SCHEDULES.register("cosine")
def cosine(step: int, total: int) -> float:
    """Cosine decay from the base rate to 0 over the run."""
    return 0.5 * (1 + math.cos(math.pi * min(step, total) / max(total, 1)))


@SCHEDULES.register("linear")
def linear(step: int, total: int) -> float:
    """Linear decay from the base rate to 0 over the run."""
    return max(0.0, 1 - step / max(total, 1))


def make_optimizer(
    settings: OptimizerConfig, params: Iterable[nn.Parameter]
) -> torch.optim.Optimizer:
    """A registered optimizer over ``params`` with ``settings``."""
    factory = OPTIMIZERS.get(settings.optimizer)
    extra: dict[str, Any] = {}
    if settings.betas is not None:
        if settings.optimizer not in _HAS_BETAS:
            raise ConfigError(f"betas apply to {', '.join(_HAS_BETAS)}, not {settings.optimizer!r}")
        extra["betas"] = tuple(settings.betas)
    return factory(list(params), lr=settings.lr, weight_decay=settings.weight_decay, **extra)


def lr_at(schedule: Callable[[int, int], float], step: int, total: int, warmup: int) -> float:
    """Schedule factor with an optional linear warm-up over the first ``warmup`` steps."""
    factor = schedule(step, total)
    return factor * min(1.0, (step + 1) / warmup) if warmup > 0 else factor


def check_settings(settings: OptimizerConfig, where: str) -> None:
    """Refuse settings that cannot train, naming the config key."""
    OPTIMIZERS.get(settings.optimizer)
    SCHEDULES.get(settings.schedule)
    if not settings.lr > 0:
        raise ConfigError(f"{where}lr must be > 0, got {settings.lr}")
    if settings.weight_decay < 0:
        raise ConfigError(f"{where}weight_decay must be >= 0, got {settings.weight_decay}")
    if settings.warmup_steps < 0:
        raise ConfigError(f"{where}warmup_steps must be >= 0, got {settings.warmup_steps}")
    if settings.grad_clip is not None and not settings.grad_clip > 0:
        raise ConfigError(f"{where}grad_clip must be > 0 (or null), got {settings.grad_clip}")
    if settings.betas is not None and (
        len(settings.betas) != 2 or not all(0 <= b < 1 for b in settings.betas)
    ):
        raise ConfigError(f"{where}betas must be two numbers in [0, 1), got {settings.betas}")


def resolve_optimizers(cfg: TrainConfig, groups: Mapping[str, ParamGroup]) -> TrainConfig:
    """``cfg`` with full settings for every optimizer the model declares besides ``main``.

    Keys the config gives win; the rest come from the model's defaults for that optimizer
    (:attr:`ParamGroup.defaults`), then :class:`OptimizerConfig`'s. The result is what the
    run saves, so a run records every optimizer's settings. A name the model does not
    declare, or ``main`` (set by the flat ``train.*`` keys), is an error listing the
    valid names; so is an unknown key or a value that cannot train.
    """
    if "main" not in groups:
        raise ConfigError("a model must declare a 'main' optimizer")
    extra = [name for name in groups if name != "main"]
    for name in cfg.optimizers:
        if name not in extra:
            valid = ", ".join(extra) if extra else "none: this model has only 'main'"
            hint = " (the main optimizer is set by train.optimizer, train.lr, ...)"
            raise ConfigError(
                f"unknown optimizer train.optimizers.{name}; this model's other optimizers: "
                f"{valid}{hint if name == 'main' else ''}"
            )
    resolved = {}
    for name in extra:
        given = cfg.optimizers.get(name) or {}
        if not isinstance(given, Mapping):
            raise ConfigError(f"train.optimizers.{name} must be a mapping, got {given!r}")
        merged = {**dataclasses.asdict(OptimizerConfig()), **groups[name].defaults, **given}
        settings = from_dict(OptimizerConfig, merged, f"train.optimizers.{name}")
        check_settings(settings, f"train.optimizers.{name}.")
        resolved[name] = dataclasses.asdict(settings)
    check_settings(cfg.optimizer_settings("main"), "train.")
    return dataclasses.replace(cfg, optimizers=resolved)
