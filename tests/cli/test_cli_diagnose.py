"""``vaekit diagnose`` and ``vaekit evaluate --metrics`` end to end, through a subprocess."""

from __future__ import annotations

import json
import shutil

import pytest
from test_cli import TINY, error_line, vaekit

KEYS = (
    "kl_per_dim",
    "active_units_mean",
    "active_units_sampled",
    "mutual_information",
    "marginal_kl",
    "index_code_mi",
    "total_correlation",
    "dimwise_kl",
    "verdict",
)
PICTURES = ("diagnose_kl.png", "traversals.png", "latent_map.png")


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("diagnose") / "digits"
    vaekit(
        "train", "--data", "digits", "--epochs", "1", "--out", out, "--quiet", *TINY, check_code=0
    )
    return out


@pytest.mark.slow
def test_diagnose_writes_json_and_pictures(digits_run):
    result = json.loads(vaekit("diagnose", digits_run, "--json", check_code=0).stdout)
    for key in KEYS:
        assert key in result, key
    assert len(result["kl_per_dim"]) == 4 and set(result["index_code_mi"]) == {"mws", "mss"}
    assert result["verdict"]["overall"] in ("collapsed", "partially collapsed", "healthy")
    assert json.loads((digits_run / "diagnostics.json").read_text()) == result
    for name in PICTURES:
        assert (digits_run / name).is_file(), name
    assert result["disentanglement"] is None  # digits has no factors
    summary = vaekit("diagnose", digits_run, "--threshold", "0.5", check_code=0).stdout
    assert "verdict" in summary and "Cov > 0.5" in summary  # its own files are refreshed


@pytest.mark.slow
def test_diagnose_never_overwrites_a_users_file(digits_run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(digits_run, copy)
    for name in ("diagnostics.json", *PICTURES):
        (copy / name).unlink(missing_ok=True)
    (copy / "latent_map.png").write_text("mine")
    line = error_line("diagnose", copy)
    assert "latent_map.png" in line and "not written by vaekit diagnose" in line
    assert (copy / "latent_map.png").read_text() == "mine"


@pytest.mark.slow
def test_evaluate_metric_errors(digits_run):
    line = error_line("evaluate", digits_run, "--metrics", "nope", "--nll-samples", "1")
    assert "unknown metric 'nope'" in line and "mig" in line and "dci" in line
    # found after the evaluation ran: --quiet leaves its progress lines out of stderr
    line = error_line("evaluate", digits_run, "--metrics", "mig", "--nll-samples", "1", "--quiet")
    assert "ground-truth factors" in line and "dsprites" in line
