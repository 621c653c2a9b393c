"""Resume equals uninterrupted training; divergence keeps the last good checkpoint; atomic files."""

import csv

import pytest
import torch
from safetensors.torch import load_file

from vaekit import api
from vaekit.api import training
from vaekit.engine import TrainingDiverged
from vaekit.files import atomic_write
from vaekit.registry import VaekitError

SETTINGS = [
    "data.subset=200",
    "train.batch_size=32",
    "eval.nll_samples=4",
    "eval.num_pictures=4",
    "model.latent_dim=4",
    "model.encoder.hidden=[32]",
    "model.decoder.hidden=[32]",
]


def _cfg(epochs=3, extra=()):
    return api.make_config(model="vae", data="digits", epochs=epochs, overrides=[*SETTINGS, *extra])


def _weights(run_dir):
    return load_file(str(run_dir / "model.safetensors"))


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


class Interrupt(Exception):
    pass


def _kill_at(step):
    def hook(s):
        if s == step:
            raise Interrupt

    return hook


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    api.train(_cfg(), out=out, progress=False)
    return out


def test_killed_mid_epoch_and_resumed_equals_uninterrupted(reference, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Interrupt):
        api.train(_cfg(), out=out, progress=False, on_step=_kill_at(11))  # epoch 2 of 7 steps
    assert not (out / "model.safetensors").exists()
    result = api.resume(out, progress=False)
    assert result.epochs == 3
    _assert_same(_weights(out), _weights(reference))
    with open(out / "metrics.csv") as f, open(reference / "metrics.csv") as g:
        rows, ref = list(csv.DictReader(f)), list(csv.DictReader(g))
    assert [r["train_loss"] for r in rows] == [r["train_loss"] for r in ref]


def test_extending_a_finished_run_equals_training_longer(reference, tmp_path):
    out = tmp_path / "run"
    api.train(_cfg(epochs=2), out=out, progress=False)
    api.resume(out, epochs=3, progress=False)
    _assert_same(_weights(out), _weights(reference))
    assert api.load_run_config(out).train.epochs == 3


def test_resume_of_a_finished_run_without_more_epochs_is_refused(reference):
    with pytest.raises(VaekitError, match="already has 3 epochs"):
        api.resume(reference, progress=False)


def test_same_seed_same_run_other_seed_differs(reference, tmp_path):
    api.train(_cfg(), out=tmp_path / "same", progress=False)
    _assert_same(_weights(tmp_path / "same"), _weights(reference))
    api.train(_cfg(extra=["seed=1"]), out=tmp_path / "other", progress=False)
    other = _weights(tmp_path / "other")
    assert any(not torch.equal(other[k], v) for k, v in _weights(reference).items())


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
    before = _weights(reference)
    with pytest.raises(api.RunDirError, match="--overwrite"):
        api.train(_cfg(), out=reference, progress=False)
    _assert_same(_weights(reference), before)
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
