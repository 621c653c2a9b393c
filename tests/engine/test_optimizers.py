"""Several optimizers: each step zeroes and steps only its own optimizer, resume is bit-exact
with two optimizers, and a model's optimizer defaults end up in the saved config."""

from __future__ import annotations

import pytest
import torch
import yaml
from safetensors.torch import load_file
from support import TINY_VAE, Interrupt, kill_at
from torch import nn

from vaekit import api
from vaekit.config import TrainConfig
from vaekit.data import ArrayDataset
from vaekit.engine import Trainer, resolve_optimizers
from vaekit.registry import ConfigError, VaekitError
from vaekit.rundir import RunDir
from vaekit.types import Batch, ParamGroup, Step, StepContext, StepOut

ADVERSARIAL = [*TINY_VAE, "model.objective=[recon, kl, {name: latent_adversary, hidden: [16]}]"]


class TwoParams(nn.Module):
    """Step ``a`` minimises (a·b)²; step ``b`` minimises (b − 3)²: the first step's loss
    also has a gradient for ``b``, which the second step must not see."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.tensor(2.0))
        self.b = nn.Parameter(torch.tensor(5.0))

    def optimizers(self) -> dict[str, ParamGroup]:
        return {"main": ParamGroup([self.a]), "other": ParamGroup([self.b])}

    def steps(self) -> list[Step]:
        return [Step("first", "main", self.first), Step("second", "other", self.second)]

    def first(self, batch: Batch, ctx: StepContext) -> StepOut:
        return StepOut((self.a * self.b) ** 2 + 0 * batch.x.sum())

    def second(self, batch: Batch, ctx: StepContext) -> StepOut:
        return StepOut((self.b - 3) ** 2)


def _data():
    one = ArrayDataset(torch.zeros(1, 2))
    return type("Splits", (), {"train": one, "val": one})()


def test_each_step_zeroes_and_steps_only_its_optimizer(tmp_path):
    model = TwoParams()
    cfg = TrainConfig(
        epochs=1,
        batch_size=1,
        optimizer="sgd",
        lr=0.1,
        optimizers={"other": {"optimizer": "sgd", "lr": 0.01}},
    )
    trainer = Trainer(model, _data(), cfg, RunDir(tmp_path), 0, torch.device("cpu"), False)
    trainer.fit()
    # SGD's first step moves by lr · grad: a by 0.1 · 2ab², b by 0.01 · 2(b − 3) only
    assert model.a.item() == pytest.approx(2.0 - 0.1 * 2 * 2.0 * 5.0**2)
    assert model.b.item() == pytest.approx(5.0 - 0.01 * 2 * (5.0 - 3))
    row = trainer.state.history[0]
    assert {"train_loss", "second_loss", "val_second_loss", "lr", "lr_other"} <= set(row)


def test_optimizers_must_not_share_parameters(tmp_path):
    model = TwoParams()
    model.optimizers = lambda: {"main": ParamGroup([model.a]), "other": ParamGroup([model.a])}
    cfg = TrainConfig(optimizers={"other": {}})
    with pytest.raises(VaekitError, match="both optimizers 'main' and 'other'"):
        Trainer(model, _data(), cfg, RunDir(tmp_path), 0, torch.device("cpu"), False)


def test_a_parameter_in_no_optimizer_is_refused(tmp_path):
    model = TwoParams()
    model.optimizers = lambda: {"main": ParamGroup([model.a])}
    model.steps = lambda: [Step("first", "main", model.first)]
    with pytest.raises(VaekitError, match="parameters in no optimizer would never train: b"):
        Trainer(model, _data(), TrainConfig(), RunDir(tmp_path), 0, torch.device("cpu"), False)


def test_unknown_optimizer_names_list_the_models_own():
    groups = {"main": ParamGroup([]), "discriminator": ParamGroup([], {"lr": 1e-4})}
    with pytest.raises(ConfigError, match=r"train\.optimizers\.disc; this model.s other"):
        resolve_optimizers(TrainConfig(optimizers={"disc": {"lr": 1.0}}), groups)
    with pytest.raises(ConfigError, match="only 'main'"):
        resolve_optimizers(TrainConfig(optimizers={"x": {}}), {"main": ParamGroup([])})
    with pytest.raises(
        VaekitError, match="unknown optimizer 'rms'; valid choices: adam, adamw, sgd"
    ):
        resolve_optimizers(TrainConfig(optimizers={"discriminator": {"optimizer": "rms"}}), groups)
    with pytest.raises(ConfigError, match=r"optimizers\.discriminator\.lr must be > 0"):
        resolve_optimizers(TrainConfig(optimizers={"discriminator": {"lr": -1}}), groups)
    resolved = resolve_optimizers(TrainConfig(optimizers={"discriminator": {"lr": 1e-3}}), groups)
    assert resolved.optimizers["discriminator"]["lr"] == 1e-3  # the config wins


def _cfg(epochs=3):
    return api.make_config(model="vae", data="digits", epochs=epochs, overrides=ADVERSARIAL)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("adv") / "run"
    api.train(_cfg(), out=out, progress=False)
    return out


def test_a_models_optimizer_defaults_are_recorded_in_the_saved_config(reference):
    saved = yaml.safe_load((reference / "config.yaml").read_text())["train"]["optimizers"]
    assert saved["discriminator"]["lr"] == 5e-4 and saved["discriminator"]["betas"] == [0.5, 0.999]
    header = (reference / "metrics.csv").read_text().splitlines()[0].split(",")
    for column in ("adversary", "discriminator_loss", "disc_accuracy", "lr_discriminator"):
        assert column in header


def test_killed_two_optimizer_run_resumes_bit_for_bit(reference, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Interrupt):
        api.train(_cfg(), out=out, progress=False, on_step=kill_at(9))  # in epoch 2
    api.resume(out, progress=False)
    ours, ref = (
        load_file(str(out / "model.safetensors")),
        load_file(str(reference / "model.safetensors")),
    )
    assert any("disc" in k for k in ours)
    assert ours.keys() == ref.keys() and all(torch.equal(ours[k], ref[k]) for k in ours)
    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)
    assert set(ckpt["optimizers"]) == {"main", "discriminator"}
    rows = [r.split(",")[2:] for r in (out / "metrics.csv").read_text().splitlines()]
    ref_rows = [r.split(",")[2:] for r in (reference / "metrics.csv").read_text().splitlines()]
    assert rows == ref_rows  # every logged value but the epoch times


def test_the_discriminator_optimizer_moves_only_the_discriminator(tmp_path):
    cfg = _cfg(epochs=1)
    result = api.train(cfg, out=tmp_path / "run", progress=False)
    model = result.run.model
    groups = model.optimizers()
    disc = {id(p) for p in groups["discriminator"].params}
    named = dict(model.named_parameters())
    assert disc == {id(p) for n, p in named.items() if ".disc." in n}
    assert not disc & {id(p) for p in groups["main"].params}
    assert {id(p) for g in groups.values() for p in g.params} == {id(p) for p in named.values()}
