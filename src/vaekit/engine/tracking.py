"""Experiment trackers chosen by config: TensorBoard (``train.tensorboard``) and MLflow
(``train.mlflow``), each behind its extra (``pip install 'vaekit[tensorboard]'``,
``'vaekit[mlflow]'``).

A tracker gets the run's config as parameters (flattened to dotted keys), every epoch's
row of ``metrics.csv`` as metrics at that epoch, and the final evaluation as metrics
prefixed ``final_``. MLflow is offline by default: ``train.mlflow_uri`` is a local folder
(``mlruns``, MLflow's file store, relative to the working directory) unless it names a
server or a database URI. Only rank 0 of a distributed run tracks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from vaekit.config import TrainConfig
from vaekit.registry import VaekitError
from vaekit.rundir import RunDir


class Tracker(Protocol):
    """Where a run's parameters and metrics go besides the run directory."""

    def params(self, values: Mapping[str, Any]) -> None:
        """Record the run's settings (flat ``key.sub`` names)."""
        ...

    def metrics(self, values: Mapping[str, float], step: int) -> None:
        """Record numeric values at ``step`` (the epoch)."""
        ...

    def close(self) -> None:
        """Flush and end the run."""
        ...


def open_trackers(cfg: TrainConfig, run_dir: RunDir) -> list[Tracker]:
    """The trackers ``cfg`` turns on; a missing extra is a one-line install hint."""
    trackers: list[Tracker] = []
    if cfg.tensorboard:
        trackers.append(TensorBoardTracker(run_dir))
    if cfg.mlflow:
        trackers.append(MLflowTracker(cfg.mlflow_uri, cfg.mlflow_experiment, run_dir))
    return trackers


def check_extras(cfg: TrainConfig) -> None:
    """Refuse a tracker whose extra is not installed (before a run directory is made)."""
    if cfg.tensorboard:
        require("tensorboard", "tensorboard")
    if cfg.mlflow:
        require("mlflow", "mlflow")


def require(module: str, extra: str) -> None:
    """Refuse, with the pip command, when ``module`` of extra ``extra`` is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise VaekitError(f"train.{extra} needs the {extra} package: pip install 'vaekit[{extra}]'")


class TensorBoardTracker:
    """Scalars in ``RUN_DIR/tensorboard``; parameters as one text summary."""

    def __init__(self, run_dir: RunDir) -> None:
        require("tensorboard", "tensorboard")
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(run_dir / "tensorboard"))

    def params(self, values: Mapping[str, Any]) -> None:
        lines = "\n".join(f"    {k}: {v}" for k, v in values.items())
        self.writer.add_text("config", lines)

    def metrics(self, values: Mapping[str, float], step: int) -> None:
        for k, v in values.items():
            self.writer.add_scalar(k, v, step)

    def close(self) -> None:
        self.writer.close()


class MLflowTracker:
    """One MLflow run (named after the run directory) in experiment ``experiment``."""

    def __init__(self, uri: str, experiment: str, run_dir: RunDir) -> None:
        require("mlflow", "mlflow")
        from mlflow.tracking import MlflowClient

        if "://" not in uri and not uri.startswith("file:"):  # a local folder: offline
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow ≥ 3.x asks
            uri = Path(uri).resolve().as_uri()
        self.client = MlflowClient(uri)
        found = self.client.get_experiment_by_name(experiment)
        exp_id = found.experiment_id if found else self.client.create_experiment(experiment)
        self.run_id = self.client.create_run(exp_id, run_name=run_dir.path.name).info.run_id

    def params(self, values: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        # MLflow caps a value's length; a long list (a spec) is cut, never refused
        items = [Param(k, str(v)[:500]) for k, v in values.items()]
        for start in range(0, len(items), 100):  # MLflow takes at most 100 per batch
            self.client.log_batch(self.run_id, params=items[start : start + 100])

    def metrics(self, values: Mapping[str, float], step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(k, float(v), now, step) for k, v in values.items()]
        for start in range(0, len(items), 1000):
            self.client.log_batch(self.run_id, metrics=items[start : start + 1000])

    def close(self) -> None:
        self.client.set_terminated(self.run_id)
