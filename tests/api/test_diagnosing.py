"""``vaekit.api.diagnose`` in process: files, JSON and the factor heat maps on tiny dSprites."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from vaekit import api
from vaekit.config import DataConfig
from vaekit.data import load_data
from vaekit.registry import ConfigError, VaekitError


def _run(tmp_path, data):
    cfg = api.make_config(
        model="vae",
        overrides=["model.latent_dim=3", "model.encoder.hidden=[16]", "model.decoder.hidden=[16]"],
    )
    torch.manual_seed(0)
    model = cfg.model.build(data.shape, data.num_classes).eval()
    return api.Run(api.RunDir(tmp_path), cfg, model, {"input_shape": list(data.shape)})


def test_diagnose_dsprites_draws_factor_matrices(tmp_path):
    data = load_data(DataConfig(name="dsprites", options={"n": 400}))
    run = _run(tmp_path, data)
    result = api.diagnose(run, data)
    saved = json.loads((tmp_path / "diagnostics.json").read_text())
    assert saved == json.loads(json.dumps(result.to_dict()))
    assert set(saved["pictures"]) == {
        "kl_per_dim",
        "traversals",
        "latent_map",
        "mig_matrix",
        "dci_importance",
    }
    for name in saved["pictures"].values():
        assert (tmp_path / name).is_file()
    ent = saved["disentanglement"]
    assert ent["factor_names"] == list(data.factor_names)
    assert len(ent["mig_matrix"]) == 3 and len(ent["mig_matrix"][0]) == 5
    assert 0 <= ent["mig"] <= 1 and ent["dci_importance_model"] == "fast_gbt"
    assert saved["active_threshold"] == 0.01  # the config's eval.active_threshold
    # Diagnosed again without factors: its own stale heat maps go, the rest is refreshed.
    plain = dataclasses.replace(data, test=dataclasses.replace(data.test, factors=None))
    again = api.diagnose(run, plain)
    assert again.disentanglement is None
    assert not (tmp_path / "mig_matrix.png").exists()
    assert (tmp_path / "latent_map.png").is_file()


def test_diagnose_refuses_foreign_files_and_bad_thresholds(tmp_path):
    data = load_data(DataConfig(name="digits"))
    run = _run(tmp_path, data)
    (tmp_path / "diagnostics.json").write_text('{"mine": 1}')
    with pytest.raises(VaekitError, match="not written by vaekit diagnose"):
        api.diagnose(run, data)
    (tmp_path / "diagnostics.json").unlink()
    with pytest.raises(ConfigError, match="thresholds"):
        api.diagnose(run, data, kl_threshold=-1.0)
    with pytest.raises(ConfigError, match="unknown split"):
        api.diagnose(run, data, split="dev")
