"""The disentangling models on a tiny dSprites subset: their loss falls, each shipped config
trains, FactorVAE resumes bit for bit with its two optimizers, and JointVAE's categorical
latent is traversed by ``diagnose``."""

from pathlib import Path

import pytest
import torch
import yaml
from support import Interrupt, assert_same_weights, kill_at, weights

from vaekit import api
from vaekit.config import DataConfig
from vaekit.data import load_data
from vaekit.models import MODELS
from vaekit.registry import ConfigError
from vaekit.types import Batch, StepContext

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs" / "dsprites").glob("*.yaml"))
SMALL = {"encoder": {"name": "mlp", "hidden": [64]}, "decoder": {"name": "mlp", "hidden": [64]}}
MODELS_HERE = {
    "beta_tcvae": {},
    "factor_vae": {"disc_hidden": [64, 64]},
    "dip_vae_i": {},
    "dip_vae_ii": {},
    "info_vae": {},
    "joint_vae": {"cont_c_steps": 20, "disc_c_steps": 20, "temperature_steps": 20},
}
TINY = [
    "data.options.n=160",
    "data.binarize=none",
    "train.batch_size=32",
    "eval.nll_samples=2",
    "eval.num_pictures=0",
    "model.latent_dim=5",
    "model.encoder={name: mlp, hidden: [32]}",
    "model.decoder={name: mlp, hidden: [32]}",
]


@pytest.fixture(scope="module")
def dsprites():
    return load_data(DataConfig(name="dsprites", options={"n": 160}, binarize="none"))


@pytest.mark.parametrize("name", sorted(MODELS_HERE))
def test_loss_falls_in_a_few_steps(name, dsprites):
    torch.manual_seed(0)
    model = MODELS.get(name)(latent_dim=6, **SMALL, **MODELS_HERE[name]).build(dsprites.shape)
    opts = {k: torch.optim.Adam(g.params, lr=1e-3) for k, g in model.optimizers().items()}
    batch = dsprites.train.batch(torch.arange(64))
    losses = []
    for t in range(25):
        ctx = StepContext(step=t, dataset_size=len(dsprites.train), batch_size=64)
        for step in model.steps():
            out = step.fn(batch, ctx)
            opts[step.optimizer].zero_grad(set_to_none=True)
            out.loss.backward()
            opts[step.optimizer].step()
            if step.optimizer == "main":
                losses.append(out.loss.item())
    assert sum(losses[-3:]) < 0.9 * sum(losses[:3]), losses


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_each_config_loads_and_trains_one_step(path, tmp_path):
    cfg = api.make_config(path, overrides=["data.options.n=80", "data.subset=16"])
    assert cfg.data.name == "dsprites" and cfg.model.latent_dim >= 9
    cfg.train.epochs, cfg.train.batch_size = 1, 16
    data = load_data(cfg.data)
    model = cfg.model.build(data.shape)
    opts = {k: torch.optim.Adam(g.params, **g.defaults) for k, g in model.optimizers().items()}
    batch = data.train.batch(torch.arange(16))
    ctx = StepContext(dataset_size=len(data.train), batch_size=16)
    for step in model.steps():
        out = step.fn(batch, ctx)
        opts[step.optimizer].zero_grad(set_to_none=True)
        out.loss.backward()
        opts[step.optimizer].step()
        assert torch.isfinite(out.loss)


def _factor_cfg(epochs=3):
    return api.make_config(
        model="factor_vae",
        epochs=epochs,
        overrides=[*TINY, "data.name=dsprites", "model.disc_hidden=[32, 32]"],
    )


@pytest.fixture(scope="module")
def factor_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("factor") / "run"
    api.train(_factor_cfg(), out=out, progress=False)
    return out


@pytest.mark.slow
def test_factor_vae_logs_its_discriminator_and_records_its_optimizer(factor_reference):
    saved = yaml.safe_load((factor_reference / "config.yaml").read_text())["train"]["optimizers"]
    assert saved["discriminator"]["lr"] == 1e-4 and saved["discriminator"]["betas"] == [0.5, 0.9]
    header = (factor_reference / "metrics.csv").read_text().splitlines()[0].split(",")
    for column in ("factor_tc", "discriminator_loss", "disc_accuracy", "lr_discriminator"):
        assert column in header


@pytest.mark.slow
def test_killed_factor_vae_resumes_bit_for_bit(factor_reference, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Interrupt):
        api.train(_factor_cfg(), out=out, progress=False, on_step=kill_at(6))  # in epoch 2
    api.resume(out, progress=False)
    assert_same_weights(weights(out), weights(factor_reference))
    assert set(torch.load(out / "checkpoint.pt", weights_only=True)["optimizers"]) == {
        "main",
        "discriminator",
    }


@pytest.mark.slow
def test_diagnose_traverses_the_categorical_latent_of_joint_vae(tmp_path):
    cfg = api.make_config(model="joint_vae", epochs=1, overrides=[*TINY, "data.name=dsprites"])
    assert cfg.model.latent_dim == 5  # 2 continuous + one 3-way categorical
    result = api.train(cfg, out=tmp_path / "run", progress=False)
    diagnosis = api.diagnose(result.run)
    assert {"traversals", "traversals_discrete"} <= set(diagnosis.pictures)
    assert diagnosis.pictures["traversals_discrete"].stat().st_size > 0


def test_beta_tcvae_estimators_are_selectable_and_checked():
    x = Batch(torch.rand(8, 1, 8, 8).round())
    losses = []
    for estimator in ("mss", "mws"):
        torch.manual_seed(0)
        model = MODELS.get("beta_tcvae")(latent_dim=3, estimator=estimator, **SMALL).build(
            (1, 8, 8)
        )
        torch.manual_seed(1)
        losses.append(model.step(x, StepContext(dataset_size=100)).loss.item())
    assert losses[0] != losses[1]
    with pytest.raises(ConfigError, match="unknown tc estimator 'mcmc'; valid choices: mss, mws"):
        MODELS.get("beta_tcvae")(estimator="mcmc").build((1, 8, 8))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"alpha": 1.5}, r"model.alpha must be <= 1"),
        ({"alpha": 0.0, "lambda_": 0.5}, r"model.alpha \+ model.lambda_ must be >= 1"),
        ({"kernel": "cauchy"}, "unknown mmd kernel 'cauchy'; valid choices: imq, rbf"),
    ],
)
def test_info_vae_refuses_weights_that_reward_divergence(options, message):
    with pytest.raises(ConfigError, match=message):
        MODELS.get("info_vae")(**options).build((1, 8, 8))


@pytest.mark.slow
def test_evaluate_reports_the_disentanglement_metrics_of_factor_vae(factor_reference):
    report = api.evaluate(api.load(factor_reference), metrics=["mig", "sap", "dci"])
    assert 0.0 <= report.extras["mig"] <= 1.0 and 0.0 <= report.extras["sap"] <= 1.0
    assert set(report.extras["dci"]) == {"disentanglement", "completeness", "informativeness"}
