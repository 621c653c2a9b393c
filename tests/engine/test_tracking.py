"""Experiment trackers: MLflow against its real local file store, TensorBoard's
parameters, and a clear install hint when an extra is missing."""

from __future__ import annotations

import importlib.util

import pytest
from support import TINY_VAE

from vaekit import api
from vaekit.config import flatten
from vaekit.registry import VaekitError


def test_flatten_names_nested_keys_with_dots():
    tree = {"model": {"name": "vae", "encoder": {"hidden": [32]}}, "seed": 0, "empty": {}}
    assert flatten(tree) == {
        "model.name": "vae",
        "model.encoder.hidden": [32],
        "seed": 0,
        "empty": {},
    }


def test_mlflow_records_the_config_epochs_and_final_metrics_offline(tmp_path):
    pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    from mlflow.tracking import MlflowClient

    store = tmp_path / "mlruns"
    cfg = api.make_config(
        model="vae",
        data="digits",
        epochs=2,
        overrides=[*TINY_VAE, "train.mlflow=true", f"train.mlflow_uri={store}"],
    )
    api.train(cfg, out=tmp_path / "run", progress=False)
    client = MlflowClient(store.as_uri())
    experiment = client.get_experiment_by_name("vaekit")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "run" and run.info.status == "FINISHED"
    assert run.data.params["model.name"] == "vae"
    assert run.data.params["train.batch_size"] == "32"
    history = client.get_metric_history(run.info.run_id, "train_loss")
    assert [m.step for m in history] == [1, 2]
    assert "final_elbo" in run.data.metrics and "final_nll" in run.data.metrics


def test_a_missing_extra_is_a_one_line_install_hint(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a)
    )
    cfg = api.make_config(model="vae", data="digits", epochs=1, overrides=["train.mlflow=true"])
    with pytest.raises(VaekitError, match=r"pip install 'vaekit\[mlflow\]'"):
        api.train(cfg, out=tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()
