"""kill -9 at any moment, then --resume: the run ends exactly as an uninterrupted one.

Each test runs ``python -m vaekit train`` with ``VAEKIT_FAULT`` naming a moment
(:mod:`vaekit.faults`), so that the process sends itself SIGKILL there; then it resumes
the run (which takes the lock the dead process held) and compares the final weights, bit
for bit, and the evaluation with a run that was never interrupted.
"""

import json
import os
import signal
import subprocess
import sys

import pytest
from support import TINY_VAE, assert_same_weights, weights

from vaekit import api
from vaekit.faults import _parse
from vaekit.rundir import STAGES, RunDir

SETTINGS = TINY_VAE  # 7 steps per epoch
ARGS = ["--model", "vae", "--data", "digits", "--epochs", "2", "--quiet"]
for item in SETTINGS:
    ARGS += ["--set", item]

MOMENTS = {
    "step:3": "mid epoch 1: config and meta, no checkpoint",
    "step:11": "mid epoch 2",
    "write:meta.json:1": "config written, meta half-written",
    "write:checkpoint.pt:2": "the second checkpoint half-written",
    "write:metrics.csv:1": "first checkpoint written, its metrics not",
    "stage:trained": "last checkpoint written, final weights not",
    "write:model.safetensors:1": "final weights half-written",
    "write:stages.json:1": "final weights written, not yet recorded",
    "stage:weights": "final weights recorded, evaluation not begun",
    "write:results.json:1": "results half-written",
    "stage:evaluation": "evaluation recorded, pictures not begun",
}


def vaekit_train(out, fault, *extra):
    env = {**os.environ, "VAEKIT_FAULT": fault}
    return subprocess.Popen(
        [sys.executable, "-m", "vaekit", "train", *ARGS, "--out", str(out), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stray_temps(run_dir):
    return sorted(p.name for p in run_dir.rglob(".*.tmp"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    cfg = api.make_config(model="vae", data="digits", epochs=2, overrides=SETTINGS)
    api.train(cfg, out=out, progress=False)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("fault", MOMENTS, ids=list(MOMENTS))
def test_killed_then_resumed_equals_uninterrupted(reference, tmp_path, fault):
    out = tmp_path / "run"
    proc = vaekit_train(out, fault)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err
    if fault.startswith("write:"):  # killed between the temp file and its rename
        assert stray_temps(out), "the kill came too late"
    assert not RunDir(out).complete()

    result = api.resume(out, progress=False)  # takes the lock the dead process held

    assert result.epochs == 2
    assert_same_weights(weights(out), weights(reference))
    ref_results = json.loads((reference / "results.json").read_text())
    assert json.loads((out / "results.json").read_text()) == ref_results
    assert RunDir(out).stages_done() == list(STAGES)
    assert (out / "samples.png").is_file() and (out / "curves.png").is_file()
    assert stray_temps(out) == []


@pytest.mark.slow
def test_overwrite_cannot_delete_a_run_being_written(reference, tmp_path):
    """The issue's race: `train --out X` and `train --out X --overwrite`; the second now
    fails naming the first, which finishes intact."""
    out = tmp_path / "run"
    first = vaekit_train(out, "step:3:stop")  # freezes itself mid epoch 1, lock held
    _, status = os.waitpid(first.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status)
    try:
        second = vaekit_train(out, "", "--overwrite")
        _, err = second.communicate(timeout=120)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    lines = err.strip().splitlines()
    assert second.returncode == 2 and len(lines) == 1, err
    assert f"being written by process {first.pid} (" in lines[0]
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert_same_weights(weights(out), weights(reference))
    assert RunDir(out).complete()


def test_the_fault_variable_names_a_point_its_count_and_signal():
    assert _parse(None) == (None, 0, False)
    assert _parse("step:11") == ("step", 11, False)
    assert _parse("write:checkpoint.pt:2") == ("write:checkpoint.pt", 2, False)
    assert _parse("write:checkpoint.pt") == ("write:checkpoint.pt", 1, False)
    assert _parse("stage:trained:stop") == ("stage:trained", 1, True)
