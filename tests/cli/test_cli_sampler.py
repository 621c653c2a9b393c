"""``vaekit sample RUN_DIR --sampler NAME`` end to end: AE, WAE and VAE runs generate from a
latent sampler fitted on their training codes, saved in the run and reused."""

import numpy as np
import pytest
import torch
import yaml
from support import TINY_VAE, vaekit_cli

import vaekit
import vaekit.api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One-epoch AE, WAE-MMD and VAE runs on digits."""
    root = tmp_path_factory.mktemp("sampler_runs")
    for model in ("ae", "wae_mmd", "vae"):
        cfg = vaekit.make_config(
            model=model, data="digits", epochs=1, overrides=[*TINY_VAE, "eval.num_pictures=0"]
        )
        vaekit.train(cfg, out=root / model, progress=False)
    return root


@pytest.mark.parametrize("model", ["ae", "wae_mmd", "vae"])
def test_sample_from_a_fitted_gmm_saves_and_reuses_it(runs, model, tmp_path):
    run = runs / model
    vaekit_cli("sample", run, "--sampler", "gmm", "-n", "6", "--out", tmp_path / "a.npy", "--quiet")
    weights = run / "samplers" / "gmm" / "model.safetensors"
    saved = weights.stat().st_mtime_ns
    config = yaml.safe_load((run / "samplers" / "gmm" / "config.yaml").read_text())
    assert config["sampler"] == "gmm" and config["codes"] == "sample"
    first = np.load(tmp_path / "a.npy")
    assert first.shape == (6, 1, 8, 8) and first.min() >= 0 and first.max() <= 1
    # the second call loads the saved sampler: same draws for the same seed, file untouched
    vaekit_cli("sample", run, "--sampler", "gmm", "-n", "6", "--out", tmp_path / "b.npy", "--quiet")
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), first)
    assert weights.stat().st_mtime_ns == saved
    vaekit_cli("sample", run, "--sampler", "gmm", "--refit", "--out", tmp_path / "c.npy", "--quiet")
    assert weights.stat().st_mtime_ns != saved


def test_a_plain_autoencoder_needs_a_sampler_and_bad_names_list_the_choices(runs, tmp_path):
    out = tmp_path / "x.npy"
    lines = vaekit_cli("sample", runs / "ae", "--out", out, code=2).stderr.strip().splitlines()
    assert lines == [
        f"error: {runs / 'ae'} has no prior to sample from; fit a latent sampler: --sampler gmm"
    ]
    proc = vaekit_cli("sample", runs / "vae", "--sampler", "kde", "--out", out, code=2)
    (line,) = proc.stderr.strip().splitlines()
    assert line == "error: unknown latent sampler 'kde'; valid choices: flow, gmm, two_stage_vae"
    assert not (runs / "vae" / "samplers" / "kde").exists()


def test_trained_samplers_fit_through_the_engine(runs):
    """The flow and the two-stage VAE train on the codes with the engine, save their
    metrics and NLL, and load back to the same density."""
    run = vaekit.load(runs / "wae_mmd")
    for name in ("flow", "two_stage_vae"):
        fitted = vaekit.api.fit_sampler(run, name, overrides=["train.epochs=2"])
        folder = runs / "wae_mmd" / "samplers" / name
        assert (folder / "metrics.csv").read_text().count("\n") == 3  # header and 2 epochs
        results = yaml.safe_load((folder / "results.json").read_text())
        assert set(results) == {"val_nll", "test_nll"}
        loaded = vaekit.api.load_sampler(run, name)
        z = fitted.sample(4)
        if name == "flow":
            with torch.no_grad():
                torch.testing.assert_close(loaded.log_prob(z), fitted.log_prob(z))
        else:
            assert loaded.state_dict().keys() == fitted.state_dict().keys()
