"""The prior over codes is a nested stage with the rules of a run: resume finishes what is
left, starts over from its config when no checkpoint was written, and only a complete
prior has nothing to do."""

import json

import pytest
import torch
from safetensors.torch import load_file

from vaekit import api
from vaekit.api import prior as prior_module
from vaekit.api.interrupts import Interrupted
from vaekit.rundir import STAGES, RunDir

SETTINGS = [
    "data.subset=200",
    "train.batch_size=64",
    "eval.num_pictures=4",
    "model.latent_dim=4",
    "model.encoder.channels=8",
    "model.decoder.channels=8",
    "model.quantizer.codebook_size=16",
]
PRIOR = ["prior.width=16", "prior.layers=1", "train.batch_size=64"]


def prior_weights(run_dir):
    return load_file(str(run_dir / "prior" / "model.safetensors"))


@pytest.fixture(scope="module")
def vq_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("vq") / "run"
    cfg = api.make_config(model="vqvae", data="digits", epochs=1, overrides=SETTINGS)
    api.train(cfg, out=out, progress=False)
    return out


@pytest.fixture(scope="module")
def reference(vq_run):
    """An uninterrupted prior: its weights and results."""
    result = api.train_prior(api.load(vq_run), epochs=1, overrides=PRIOR, progress=False)
    return prior_weights(vq_run), result


def test_a_prior_interrupted_before_its_pictures_is_finished_by_resume(
    vq_run, reference, monkeypatch
):
    def ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(prior_module, "_samples", ctrl_c)
    run = api.load(vq_run)
    with pytest.raises(Interrupted) as caught:
        api.train_prior(run, epochs=1, overrides=PRIOR, overwrite=True, progress=False)
    assert str(caught.value) == (
        f"interrupted; `vaekit train-prior {vq_run} --resume` will finish the pictures of "
        f"{vq_run / 'prior'}"
    )
    prior_dir = RunDir(vq_run / "prior")
    assert prior_dir.stages_done() == ["weights", "evaluation"]
    monkeypatch.undo()
    result = api.train_prior(api.load(vq_run), resume=True, progress=False)
    assert result.samples is not None and result.samples.is_file()
    assert (result.val_nll, result.test_nll) == (reference[1].val_nll, reference[1].test_nll)
    assert prior_dir.stages_done() == list(STAGES)
    with pytest.raises(api.RunDirError, match=r"is complete.*nothing to do"):
        api.train_prior(api.load(vq_run), resume=True, progress=False)


def test_a_prior_killed_before_its_first_checkpoint_starts_over_from_its_config(
    vq_run, reference, monkeypatch
):
    def ctrl_c(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(prior_module.Trainer, "fit", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        api.train_prior(api.load(vq_run), epochs=1, overrides=PRIOR, overwrite=True, progress=False)
    assert sorted(p.name for p in (vq_run / "prior").iterdir()) == ["config.yaml"]
    monkeypatch.undo()
    api.train_prior(api.load(vq_run), resume=True, progress=False)
    for k, v in reference[0].items():
        assert torch.equal(prior_weights(vq_run)[k], v), k
    results = json.loads((vq_run / "prior" / "results.json").read_text())
    assert results["test_nll"] == reference[1].test_nll


def test_extending_a_run_with_a_trained_prior_is_refused(vq_run, reference):
    before = prior_weights(vq_run)
    with pytest.raises(api.RunDirError, match=r"has a prior over its codes .* move it away"):
        api.resume(vq_run, epochs=2, progress=False)
    after = prior_weights(vq_run)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert api.load_run_config(vq_run).train.epochs == 1
