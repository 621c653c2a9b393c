"""Resume equals uninterrupted training and finishes the stages left; divergence keeps the last
good checkpoint; atomic files; a full disk and Ctrl-C end in one line saying what is intact."""

import csv
import errno
import json
import os
import shutil
import tempfile

import pytest
import torch
from support import TINY_VAE, Interrupt, assert_same_weights, kill_at, weights
from typer.testing import CliRunner

from vaekit import api, files
from vaekit.api import training
from vaekit.api.interrupts import Interrupted
from vaekit.cli.main import app
from vaekit.engine import TrainingDiverged
from vaekit.files import atomic_write
from vaekit.registry import VaekitError
from vaekit.rundir import STAGES, RunDir

SETTINGS = TINY_VAE


def _cfg(epochs=3, extra=()):
    return api.make_config(model="vae", data="digits", epochs=epochs, overrides=[*SETTINGS, *extra])


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    api.train(_cfg(), out=out, progress=False)
    return out


def test_killed_mid_epoch_and_resumed_equals_uninterrupted(reference, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Interrupt):
        api.train(_cfg(), out=out, progress=False, on_step=kill_at(11))  # epoch 2 of 7 steps
    assert not (out / "model.safetensors").exists()
    result = api.resume(out, progress=False)
    assert result.epochs == 3
    assert_same_weights(weights(out), weights(reference))
    with open(out / "metrics.csv") as f, open(reference / "metrics.csv") as g:
        rows, ref = list(csv.DictReader(f)), list(csv.DictReader(g))
    assert [r["train_loss"] for r in rows] == [r["train_loss"] for r in ref]


def test_extending_a_finished_run_equals_training_longer(reference, tmp_path):
    out = tmp_path / "run"
    api.train(_cfg(epochs=2), out=out, progress=False)
    assert RunDir(out).complete()
    with pytest.raises(Interrupt):  # killed during the third epoch
        api.resume(out, epochs=3, progress=False, on_step=kill_at(16))
    assert RunDir(out).stages_done() == []  # the old weights and results are out of date
    assert api.load_run_config(out).train.epochs == 3
    api.resume(out, progress=False)
    assert_same_weights(weights(out), weights(reference))
    assert RunDir(out).complete()


def test_resume_of_a_finished_run_without_more_epochs_is_refused(reference, monkeypatch):
    with monkeypatch.context() as m:  # said at once: the data and model are never loaded
        m.setattr(training, "load_data", lambda *a: pytest.fail("loaded the data"))
        with pytest.raises(VaekitError, match=r"already has 3 epochs.*--epochs N with N > 3"):
            api.resume(reference, progress=False)
    with pytest.raises(VaekitError, match="--epochs must be at least 3"):
        api.resume(reference, epochs=2, progress=False)


def test_resume_finishes_only_the_stages_left(reference, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(reference, out)
    (out / "samples.png").unlink()
    files.write_json(out / "stages.json", {"done": ["weights", "evaluation"]})
    metrics, results = (out / "metrics.csv").read_text(), (out / "results.json").read_text()
    result = api.resume(out, progress=False)
    assert (out / "samples.png").is_file() and "samples" in result.pictures
    assert RunDir(out).stages_done() == list(STAGES)
    assert (out / "metrics.csv").read_text() == metrics  # no epoch trained again
    assert (out / "results.json").read_text() == results  # read back, not recomputed
    assert result.results.to_dict() == json.loads(results)


def test_a_run_killed_before_its_first_checkpoint_is_resumed_from_its_config(reference, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Interrupt):
        api.train(_cfg(), out=out, progress=False, on_step=kill_at(3))
    assert not (out / "checkpoint.pt").exists() and (out / "config.yaml").is_file()
    with pytest.raises(api.RunDirError, match=r"already exists.*--overwrite.*--resume"):
        api.train(_cfg(), out=out, progress=False)
    api.resume(out, progress=False)
    assert_same_weights(weights(out), weights(reference))


@pytest.mark.parametrize(
    ("step", "will"),
    [
        (3, "start {} again from its saved config"),
        (11, "continue training {} from its last checkpoint"),
    ],
)
def test_ctrl_c_during_training_says_what_resume_will_do(tmp_path, step, will):
    out = tmp_path / "run"

    def ctrl_c(s):
        if s == step:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as caught:
        api.train(_cfg(), out=out, progress=False, on_step=ctrl_c)
    command = f"vaekit train --resume {out}"
    assert str(caught.value) == f"interrupted; `{command}` will {will.format(out)}"


def test_ctrl_c_after_training_says_the_stages_left_in_one_line(tmp_path, monkeypatch):
    out = tmp_path / "run"

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "evaluate", ctrl_c)
    args = ["train", "--model", "vae", "--data", "digits", "--epochs", "1", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--quiet", *(f"--set={s}" for s in SETTINGS)])
    assert result.exit_code == 130
    assert result.stderr == (
        f"error: interrupted; `vaekit train --resume {out}` will finish the evaluation and "
        f"the pictures of {out}\n"
    )


def disk_full_on(monkeypatch, prefix, nth):
    """Make the ``nth`` temp file named ``prefix...`` of :mod:`vaekit.files` a full disk
    (``/dev/full``: every write fails with ENOSPC)."""
    real_mkstemp, calls = tempfile.mkstemp, []

    def mkstemp(*args, **kwargs):
        fd, tmp = real_mkstemp(*args, **kwargs)
        calls.append(kwargs["prefix"])
        if calls.count(prefix) == nth:
            os.close(fd)
            fd = os.open("/dev/full", os.O_WRONLY)
        return fd, tmp

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


class FullDisk:
    """A file whose writes fail with ENOSPC, as on a full disk."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def test_a_full_disk_while_saving_a_checkpoint_is_an_os_error_naming_it(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"previous")
    real_fdopen = os.fdopen
    monkeypatch.setattr(files.os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    with pytest.raises(files.WriteError) as caught:  # torch.save would raise a RuntimeError
        files.write_torch(path, {"weights": torch.zeros(1000)})
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(path)
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]
    assert path.read_bytes() == b"previous"


@needs_dev_full
def test_a_full_disk_is_one_line_and_the_last_checkpoint_survives(reference, tmp_path, monkeypatch):
    out = tmp_path / "run"
    disk_full_on(monkeypatch, ".checkpoint.pt.", 2)
    args = ["train", "--model", "vae", "--data", "digits", "--epochs", "3", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--quiet", *(f"--set={s}" for s in SETTINGS)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: cannot write {out / 'checkpoint.pt'}: {os.strerror(errno.ENOSPC)} (its "
        "previous version, if any, is intact)\n"
    )
    assert RunDir(out).read_checkpoint()["state"]["epoch"] == 1
    assert not list(out.glob(".*.tmp"))
    monkeypatch.undo()
    api.resume(out, progress=False)
    assert_same_weights(weights(out), weights(reference))


def test_same_seed_same_run_other_seed_differs(reference, tmp_path):
    api.train(_cfg(), out=tmp_path / "same", progress=False)
    assert_same_weights(weights(tmp_path / "same"), weights(reference))
    api.train(_cfg(extra=["seed=1"]), out=tmp_path / "other", progress=False)
    other = weights(tmp_path / "other")
    assert any(not torch.equal(other[k], v) for k, v in weights(reference).items())


def test_nan_loss_stops_with_last_good_checkpoint_intact(tmp_path, monkeypatch):
    out = tmp_path / "run"
    holder = {}

    def poison(step):
        if step == 10:  # during epoch 2: break the decoder
            with torch.no_grad():
                for p in holder["model"].decoder.parameters():
                    p.fill_(float("nan"))

    original = training.Trainer.__init__

    def capture(self, model, *args, **kwargs):
        holder["model"] = model
        original(self, model, *args, **kwargs)

    monkeypatch.setattr(training.Trainer, "__init__", capture)
    with pytest.raises(TrainingDiverged, match="last good checkpoint \\(epoch 1\\)"):
        api.train(_cfg(), out=out, progress=False, on_step=poison)
    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)
    assert ckpt["state"]["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in ckpt["model"].values())
    with open(out / "metrics.csv") as f:
        assert len(list(csv.DictReader(f))) == 1


def test_existing_run_dir_is_not_overwritten(reference, tmp_path):
    before = weights(reference)
    with pytest.raises(api.RunDirError, match="--overwrite"):
        api.train(_cfg(), out=reference, progress=False)
    assert_same_weights(weights(reference), before)
    stranger = tmp_path / "mine"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("precious")
    with pytest.raises(api.RunDirError, match="not a vaekit run directory"):
        api.train(_cfg(), out=stranger, overwrite=True, progress=False)
    assert (stranger / "notes.txt").read_text() == "precious"


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"old")

    def broken(f):
        f.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(path, broken)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_atomic_write_gives_the_mode_a_plain_open_would(tmp_path):
    atomic_write(tmp_path / "atomic", lambda f: f.write(b"x"))
    (tmp_path / "plain").write_bytes(b"x")
    modes = [(tmp_path / name).stat().st_mode & 0o777 for name in ("atomic", "plain")]
    assert modes[0] == modes[1]  # a temp file alone would be 0600: runs could not be shared


def test_corrupt_checkpoint_is_a_clear_error(reference, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    (copy / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(VaekitError, match=r"checkpoint\.pt is corrupt"):
        api.resume(copy, epochs=4, progress=False)


def test_a_config_that_cannot_train_leaves_no_run_dir(tmp_path):
    for extra in (["model.encoder.depth=3"], ["train.optimizer=sgd9"], ["train.device=toaster"]):
        with pytest.raises(VaekitError):
            api.train(_cfg(extra=extra), out=tmp_path / "run", progress=False)
        assert not (tmp_path / "run").exists(), extra
