"""Loading a trained run: its config, metadata and model from the run directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from vaekit.api.configs import config_from_dict
from vaekit.api.prior import attach_prior
from vaekit.config import RunConfig
from vaekit.engine import resolve_device
from vaekit.registry import ConfigError
from vaekit.rundir import RunDir, RunDirError


@dataclass
class Run:
    """A trained run loaded from its directory: config, model (on its device) and metadata."""

    dir: RunDir
    config: RunConfig
    model: nn.Module
    meta: dict[str, Any]

    @property
    def run_dir(self) -> Path:
        """The run directory's path."""
        return self.dir.path


def as_run_dir(run_dir: str | Path | RunDir) -> RunDir:
    """A :class:`RunDir` for a path (or the RunDir itself)."""
    return run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)


def load_run_config(run_dir: str | Path | RunDir) -> RunConfig:
    """The resolved config saved in a run directory."""
    rd = as_run_dir(run_dir)
    try:
        return config_from_dict(rd.read_config())
    except ConfigError as e:
        raise RunDirError(f"{rd / RunDir.CONFIG} is corrupt: {e}") from None


def load(run_dir: str | Path | RunDir, device: str = "auto") -> Run:
    """Load a run directory: config, metadata and weights, model in eval mode on ``device``.

    A quantized run's trained prior over codes (``RUN_DIR/prior``) is attached.
    """
    rd = as_run_dir(run_dir)
    cfg = load_run_config(rd)
    meta = rd.read_meta()
    try:
        model = cfg.model.build(meta["input_shape"], meta.get("num_classes"))
    except KeyError as e:
        raise RunDirError(f"{rd / RunDir.META} is corrupt: no {e}") from None
    rd.load_weights(model, "config")
    attach_prior(rd, model)
    return Run(rd, cfg, model.to(resolve_device(device)).eval(), meta)
