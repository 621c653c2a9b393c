"""A quantized model end to end through the command line: train, evaluate, train-prior, sample."""

import json

import numpy as np
import pytest
from support import vaekit_cli as vaekit

TINY = [
    "--set",
    "data.subset=200",
    "--set",
    "train.batch_size=64",
    "--set",
    "model.latent_dim=4",
    "--set",
    "model.encoder.channels=8",
    "--set",
    "model.decoder.channels=8",
    "--set",
    "model.quantizer.codebook_size=16",
    "--set",
    "model.quantizer.init=kmeans",
]


def error_line(*args):
    proc = vaekit(*args, code=2)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


@pytest.mark.slow
def test_vqvae_train_evaluate_prior_sample(tmp_path):
    run = tmp_path / "vq"
    out = vaekit(
        "train",
        "--model",
        "vqvae",
        "--data",
        "digits",
        "--epochs",
        "1",
        "--out",
        run,
        "--quiet",
        *TINY,
    ).stdout
    assert "codebook usage" in out and "perplexity" in out
    header = (run / "metrics.csv").read_text().splitlines()[0].split(",")
    assert {
        "recon",
        "commit",
        "codebook",
        "perplexity",
        "usage",
        "quant_error",
        "dead_codes",
    } <= set(header)
    assert (run / "codebook_usage_test.png").is_file() and not (run / "samples.png").exists()

    result = json.loads(vaekit("evaluate", run, "--json").stdout)
    assert 0 < result["codebook_usage"] <= 1 and result["perplexity"] >= 1
    assert isinstance(result["dead_codes"], int) and result["nll"] is None

    line = error_line("sample", run, "-n", "4", "--out", tmp_path / "x.npy")
    assert "vaekit train-prior RUN_DIR" in line

    out = vaekit("train-prior", run, "--epochs", "1", "--quiet", "--set", "prior.width=16").stdout
    assert "bits per code" in out
    for name in ("config.yaml", "checkpoint.pt", "metrics.csv", "model.safetensors", "samples.png"):
        assert (run / "prior" / name).is_file(), name

    vaekit("sample", run, "-n", "4", "--out", tmp_path / "x.npy")
    samples = np.load(tmp_path / "x.npy")
    assert samples.shape == (4, 1, 8, 8) and samples.min() >= 0 and samples.max() <= 1
    result = json.loads(vaekit("evaluate", run, "--json").stdout)
    assert result["bits_per_dim"] > 0 and result["nll"] == pytest.approx(
        result["recon"] + result["kl"]
    )
