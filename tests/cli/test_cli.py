"""The command line through a subprocess: an end-to-end run and every error path (exit 2)."""

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

TINY = [
    "--set",
    "data.subset=300",
    "--set",
    "train.batch_size=64",
    "--set",
    "eval.nll_samples=8",
    "--set",
    "model.latent_dim=4",
    "--set",
    "model.encoder.hidden=[32]",
    "--set",
    "model.decoder.hidden=[32]",
]


def vaekit(*args, check_code=None):
    proc = subprocess.run(
        [sys.executable, "-m", "vaekit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check_code is not None:
        assert proc.returncode == check_code, proc.stdout + proc.stderr
    return proc


def error_line(*args):
    """Run a failing command; assert exit status 2 and one clear line; return it."""
    proc = vaekit(*args, check_code=2)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    proc = vaekit("train", "--data", "digits", "--epochs", "2", "--out", out, *TINY, check_code=0)
    for needle in ("test ELBO", "test NLL", "active units", str(out), "samples.png"):
        assert needle in proc.stdout
    return out


@pytest.mark.slow
def test_train_writes_the_run_directory(run_dir):
    for name in (
        "config.yaml",
        "meta.json",
        "metrics.csv",
        "model.safetensors",
        "checkpoint.pt",
        "results.json",
        "reconstructions.png",
        "samples.png",
        "kl_per_dim.png",
        "curves.png",
    ):
        assert (run_dir / name).is_file(), name
    header = (run_dir / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["epoch", "time_s", "train_loss", "val_loss"]
    assert {"recon", "kl", "val_recon", "val_kl"} <= set(header)
    cfg = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert cfg["data"]["subset"] == 300 and cfg["model"]["latent_dim"] == 4


@pytest.mark.slow
def test_evaluate_json(run_dir):
    proc = vaekit("evaluate", run_dir, "--json", "--nll-samples", "16", check_code=0)
    result = json.loads(proc.stdout)
    for key in ("elbo", "nll", "recon", "kl", "kl_per_dim", "active_units"):
        assert key in result
    assert result["nll"] > 0 and len(result["kl_per_dim"]) == 4
    assert result["nll"] <= -result["elbo"] + 5  # the IS estimate is at least near the bound
    assert result["nll_samples"] == 16


@pytest.mark.slow
def test_sample_and_reconstruct(run_dir, tmp_path):
    vaekit("sample", run_dir, "-n", "10", "--out", tmp_path / "s.npy", check_code=0)
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (10, 1, 8, 8) and samples.min() >= 0 and samples.max() <= 1
    vaekit("sample", run_dir, "-n", "9", "--out", tmp_path / "s.png", check_code=0)
    vaekit("reconstruct", run_dir, "-n", "6", "--out", tmp_path / "r.npy", check_code=0)
    assert np.load(tmp_path / "r.npy").shape == (6, 1, 8, 8)
    line = error_line("sample", run_dir, "--out", tmp_path / "s.npy")
    assert "--overwrite" in line


def test_listings():
    models = vaekit("models", check_code=0).stdout
    for name in ("ae", "vae", "beta_vae", "beta_vae_capacity", "iwae", "cvae"):
        assert f"\n{name} " in "\n" + models
    datasets = vaekit("datasets", check_code=0).stdout
    for name in ("mnist5k", "digits", "dsprites"):
        assert name in datasets
    cfg = yaml.safe_load(vaekit("config", "iwae", check_code=0).stdout)
    assert cfg["model"]["name"] == "iwae" and cfg["model"]["k"] == 5
    assert {"data", "train", "eval", "seed"} <= set(cfg)


def test_unknown_names_list_the_choices():
    assert "valid choices: ae, beta_tcvae, beta_vae" in error_line("train", "--model", "nope")
    assert "valid choices:" in error_line("config", "nope")
    line = error_line("train", "--data", "nope")
    assert "unknown dataset 'nope'" in line and "mnist5k" in line
    line = error_line("train", "--set", "train.nope=1")
    assert "train.nope" in line and "batch_size" in line
    assert "valid options" in error_line("train", "--set", "model.encoder.depth=3")
    assert "key=value" in error_line("train", "--set", "seed")
    assert "must be an integer" in error_line("train", "--set", "seed=abc")


def test_bad_data_shape(tmp_path):
    np.save(tmp_path / "bad.npy", np.zeros((5, 3, 4, 4, 2), dtype=np.float32))
    line = error_line("train", "--data", tmp_path / "bad.npy")
    assert "expected" in line and "(5, 3, 4, 4, 2)" in line


@pytest.mark.slow
def test_data_that_does_not_fit_the_model(run_dir):
    line = error_line("evaluate", run_dir, "--data", "mnist5k")
    assert "(1, 28, 28)" in line and "(1, 8, 8)" in line
    assert "unknown split" in error_line("evaluate", run_dir, "--split", "dev")


def test_conditional_model_needs_labels(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((50, 6)).astype(np.float32))
    assert "needs labelled data" in error_line(
        "train", "--model", "cvae", "--data", tmp_path / "x.npy"
    )


@pytest.mark.slow
def test_missing_or_corrupt_run_dirs(run_dir, tmp_path):
    assert "not found" in error_line("evaluate", tmp_path / "nothing")
    broken = tmp_path / "broken"
    broken.mkdir()
    assert "missing config.yaml" in error_line("evaluate", broken)
    assert "missing config.yaml" in error_line("train", "--resume", broken)
    (broken / "config.yaml").write_text((run_dir / "config.yaml").read_text())
    (broken / "meta.json").write_text((run_dir / "meta.json").read_text())
    assert "missing model.safetensors" in error_line("sample", broken, "--out", tmp_path / "x.png")
    (broken / "model.safetensors").write_bytes(b"garbage")
    assert "corrupt" in error_line("evaluate", broken)
    (broken / "config.yaml").write_text("model: [unclosed")
    assert "line 1, column 17" in error_line("evaluate", broken)


@pytest.mark.slow
def test_existing_output_is_not_overwritten(run_dir):
    assert "--overwrite" in error_line("train", "--data", "digits", "--out", run_dir)
    assert "--resume takes only --epochs" in error_line(
        "train", "--resume", run_dir, "--model", "vae"
    )


def test_bad_config_file(tmp_path):
    assert "not found" in error_line("train", "--config", tmp_path / "none.yaml")
    (tmp_path / "c.yaml").write_text("model:\n  name: vae\n  latent_dims: 3\n")
    line = error_line("train", "--config", tmp_path / "c.yaml")
    assert "model.latent_dims" in line and "latent_dim" in line


def test_bad_output_suffix(run_dir, tmp_path):
    assert ".png or .npy" in error_line("sample", run_dir, "--out", tmp_path / "x.jpg")
