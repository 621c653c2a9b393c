"""RunDir: the write lock, the overwrite guard, the stages record and stray temp files."""

import json
import signal
import subprocess
import sys

import pytest

from vaekit import files
from vaekit.rundir import STAGES, RunDir, RunDirError
from vaekit.runlock import RunLockedError

HOLD = """
import sys
from pathlib import Path
from vaekit.runlock import locked
with locked(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


def hold_lock(folder):
    """Another process holding ``folder``'s lock until it is killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline() == "locked\n"
    return proc


def a_run(path):
    """A folder that looks like a run (config, a checkpoint, a picture)."""
    path.mkdir()
    for name in ("config.yaml", "checkpoint.pt", "samples.png"):
        (path / name).write_text("x")
    return RunDir(path)


def test_a_second_writer_is_refused_naming_the_holder_until_it_is_killed(tmp_path):
    rd = a_run(tmp_path / "run")
    holder = hold_lock(rd.path)
    try:
        says = rf"being written by process {holder.pid} \(-c "
        with pytest.raises(RunLockedError, match=says), rd.lock():
            pass
        with pytest.raises(RunLockedError, match=says), rd.child("prior").lock():  # a stage too
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with rd.lock():  # the OS released the lock of the killed process
        pass


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    rd = a_run(tmp_path / "run")
    with rd.lock(), rd.child("prior").lock(), rd.lock():
        rd.create(overwrite=True)
    with rd.lock():
        pass
    with pytest.raises(RuntimeError, match="needs the run's lock"):
        rd.create(overwrite=True)


def test_overwrite_empties_the_folder_around_its_lock_file(tmp_path):
    rd = a_run(tmp_path / "run")
    (rd.path / "tensorboard").mkdir()
    with rd.lock():
        with pytest.raises(RunDirError, match="already exists"):
            rd.create()
        rd.create(overwrite=True)
        assert [p.name for p in rd.path.iterdir()] == [".lock"]
        rd.create()  # a folder holding only the lock file counts as empty


def test_a_folder_that_is_not_a_run_is_never_replaced(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("precious")
    rd = RunDir(tmp_path / "mine")
    with rd.lock(), pytest.raises(RunDirError, match="not a vaekit run directory"):
        rd.create(overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "precious"
    (tmp_path / "file").write_text("x")
    with (
        pytest.raises(RunDirError, match="is not a folder"),
        RunDir(tmp_path / "file").lock(make=True),
    ):
        pass


def test_taking_the_lock_removes_temp_files_of_killed_writes(tmp_path):
    rd = a_run(tmp_path / "run")
    (rd.path / "prior").mkdir()
    stray = [
        rd.path / ".checkpoint.pt.k2j4_x9a.tmp",
        rd.path / "prior" / ".model.safetensors.abcdefgh.tmp",
    ]
    kept = [rd / ".notes.tmp", rd / "draft.tmp"]
    for p in stray + kept:
        p.write_text("x")
    with rd.lock():
        assert [p.exists() for p in stray] == [False, False]
        assert [p.exists() for p in kept] == [True, True]


def test_stages_are_recorded_in_order_and_cleared(tmp_path):
    rd = a_run(tmp_path / "run")
    assert rd.stages_done() == [] and not rd.complete()
    with pytest.raises(RuntimeError, match="before 'weights'"):
        rd.mark_done("evaluation")
    for stage in STAGES:
        rd.mark_done(stage)
    rd.mark_done("weights")  # already done: nothing changes
    assert rd.stages_done() == list(STAGES) and rd.complete()
    rd.clear_stages()
    assert rd.stages_done() == []
    files.write_json(rd / "stages.json", {"done": ["pictures"]})
    with pytest.raises(RunDirError, match=r"stages\.json is corrupt"):
        rd.stages_done()


def test_a_run_of_a_newer_format_is_refused(tmp_path):
    rd = a_run(tmp_path / "run")
    rd.write_meta({"input_shape": [64]})
    assert json.loads((rd / "meta.json").read_text())["run_format"] == 1
    rd.read_meta()
    files.write_json(rd / "meta.json", {"input_shape": [64], "run_format": 2})
    with pytest.raises(RunDirError, match=r"newer vaekit.*run format 2"):
        rd.read_meta()
