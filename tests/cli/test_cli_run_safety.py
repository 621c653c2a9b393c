"""A run directory through the command line (in process): files that must not be trusted,
values that cannot run, a run another process is writing, and evaluation that repeats.

Each refusal is one line on stderr and exit status 2, and leaves nothing behind.
"""

import fcntl
import json
import os
import shutil

import pytest
import torch
from support import TINY_VAE
from typer.testing import CliRunner

from vaekit import api
from vaekit.cli.main import app

SETTINGS = TINY_VAE
TRAIN = ["train", "--model", "vae", "--data", "digits", "--quiet"]
for item in SETTINGS:
    TRAIN += ["--set", item]


def vaekit(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def error_line(*args):
    """Run a failing command: exit status 2 and one line; return the line."""
    result = vaekit(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("safety") / "run"
    cfg = api.make_config(model="vae", data="digits", epochs=1, overrides=SETTINGS)
    api.train(cfg, out=out, progress=False)
    return out


@pytest.fixture
def copy(run_dir, tmp_path):
    """A copy of the run to damage."""
    return shutil.copytree(run_dir, tmp_path / "copy")


class RunsCode:
    """Unpickled, creates ``path``: what a malicious checkpoint would do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_checkpoint_that_would_run_code_is_refused_and_its_code_never_runs(copy, tmp_path):
    marker = tmp_path / "code-ran"
    ckpt = torch.load(copy / "checkpoint.pt", weights_only=True)
    torch.save({**ckpt, "state": RunsCode(marker)}, copy / "checkpoint.pt")
    line = error_line("train", "--resume", copy, "--epochs", "2")
    assert "checkpoint.pt is corrupt or not a vaekit checkpoint (refused to load it" in line
    assert not marker.exists()


def test_a_checkpoint_of_an_unknown_format_version_names_the_version(copy):
    ckpt = torch.load(copy / "checkpoint.pt", weights_only=True)
    torch.save({**ckpt, "format_version": 99}, copy / "checkpoint.pt")
    line = error_line("train", "--resume", copy, "--epochs", "2")
    assert "checkpoint format version 99; this vaekit reads version 2" in line


def test_a_run_of_a_newer_vaekit_is_refused(copy):
    meta = json.loads((copy / "meta.json").read_text())
    (copy / "meta.json").write_text(json.dumps({**meta, "run_format": 99}))
    for args in (["evaluate", copy], ["train", "--resume", copy, "--epochs", "2"]):
        assert "written by a newer vaekit (run format 99" in error_line(*args)


@pytest.mark.parametrize("name", ["config.yaml", "meta.json"])
def test_garbage_bytes_in_a_run_file_are_one_line(copy, name):
    (copy / name).write_bytes(b"\xff\xfe\x00\x80 not text \xc3\x28")
    for args in (["evaluate", copy, "--json"], ["train", "--resume", copy, "--epochs", "2"]):
        assert f"{name} is corrupt" in error_line(*args)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--epochs", "0"], "train.epochs must be >= 1, got 0"),
        (["--epochs", "-2"], "train.epochs must be >= 1, got -2"),
        (["--set", "train.batch_size=0"], "train.batch_size must be >= 1, got 0"),
        (["--set", "train.lr=-1"], "train.lr must be > 0, got -1.0"),
        (["--set", "train.lr=.inf"], "train.lr must be a finite number, got inf"),
        (["--set", "eval.nll_samples=-1"], "eval.nll_samples must be >= 0, got -1"),
        (["--set", "data.val_fraction=0"], "leaves no validation examples"),
        (["--set", "data.test_fraction=0"], "the test split is empty"),
        (["--set", "model.encoder.hidden=[0]"], "a size in the model config is 0"),
        (["--set", "model.encoder.hidden=[-3]"], "model: Trying to create tensor with negative"),
    ],
)
def test_a_value_that_cannot_run_is_refused_before_the_run_directory_is_made(tmp_path, args, says):
    out = tmp_path / "run"
    assert says in error_line(*TRAIN, "--out", out, *args)
    assert not out.exists()


def test_sampling_zero_images_is_refused(run_dir, tmp_path):
    assert "-n must be >= 1, got 0" in error_line(
        "sample", run_dir, "-n", "0", "--out", tmp_path / "s.png"
    )


def test_evaluation_repeats_and_reproduces_the_runs_own_results(run_dir):
    first = vaekit("evaluate", run_dir, "--json")
    assert first.exit_code == 0, first.output
    assert vaekit("evaluate", run_dir, "--json").stdout == first.stdout
    assert json.loads(first.stdout) == json.loads((run_dir / "results.json").read_text())
    other = json.loads(vaekit("evaluate", run_dir, "--json", "--seed", "1").stdout)
    assert other["nll"] != json.loads(first.stdout)["nll"]  # importance samples are drawn


def test_a_run_another_process_writes_is_refused_naming_it(copy, tmp_path):
    fd = os.open(copy / ".lock", os.O_RDWR | os.O_CREAT)  # another holder of the lock
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b"4242 vaekit train --out somewhere\n")
        for args in (
            ["train", "--resume", copy, "--epochs", "2"],
            ["diagnose", copy],
            ["sample", copy, "-n", "4", "--out", copy / "samples.npy"],
        ):
            line = error_line(*args)
            assert "being written by process 4242 (vaekit train --out somewhere)" in line
        for reader in (["evaluate", copy, "--json"], ["sample", copy, "--out", tmp_path / "s.npy"]):
            assert vaekit(*reader).exit_code == 0  # readers need no lock
    finally:
        os.close(fd)
