"""Objective terms and optimizers from the command line: unknown names are one line, exit 2."""

import subprocess
import sys


def error_line(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "vaekit", "train", "--data", "digits", "--epochs", "1", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in proc.stderr
    return lines[0]


def test_unknown_objective_term_lists_the_terms(tmp_path):
    line = error_line("--out", tmp_path / "r", "--set", "model.objective=[recon, kll]")
    assert "unknown objective term 'kll'; valid choices: capacity, ciwae, dip," in line
    assert not (tmp_path / "r").exists()


def test_unknown_optimizer_lists_the_models_optimizers(tmp_path):
    line = error_line(
        "--out",
        tmp_path / "r",
        "--set",
        "model.objective=[recon, kl, latent_adversary]",
        "--set",
        "train.optimizers.disc.lr=1e-4",
    )
    assert "unknown optimizer train.optimizers.disc" in line and "discriminator" in line
    line = error_line("--out", tmp_path / "r", "--set", "train.optimizers.discriminator.lr=1e-4")
    assert "only 'main'" in line
    assert not (tmp_path / "r").exists()
