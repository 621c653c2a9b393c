"""The final-evaluation budget: worked examples, the bound itself, idempotence, the timing
probe and the subset."""

import dataclasses
import itertools
import json
import time

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from vaekit import api
from vaekit.cli.main import app
from vaekit.config import EvalConfig
from vaekit.data import ArrayDataset
from vaekit.evaluation.budget import (
    MIN_SECONDS,
    Costs,
    budgeted,
    capped,
    measure_costs,
)
from vaekit.models import MODELS

MLP = Costs(train=3e-4, example=1e-4, decode=2e-5)  # about a small MLP VAE's on a CPU
CONV = Costs(train=4.5e-3, example=1.5e-3, decode=1e-3)  # the 64×64 transposed-conv pair


def test_worked_examples():
    cfg = EvalConfig()  # k = 500, budget 0.25
    # the README quick start (60 epochs × 4000 examples, 500 test images): 5 s of 72 × 0.25
    assert budgeted(cfg, MLP, 4000, 60, 500) == cfg
    # one epoch of 2000 dSprites images with the conv pair: 9 s of training → 2.25 s:
    # 2.25 / (1.5 ms + 2 × 1 ms) = 642 → 500 examples, (4.5 ms − 1.5 ms) / 1 ms = 3 → 2 samples
    small = budgeted(cfg, CONV, 2000, 1, 73_728)
    assert (small.max_examples, small.nll_samples) == (500, 2)
    # a decoder a tenth as costly: 2.25 / 1.7 ms = 1323 → 1000 examples, 0.75 ms / 0.1 ms → 5
    cheap = budgeted(cfg, dataclasses.replace(CONV, decode=CONV.decode / 10), 2000, 1, 73_728)
    assert (cheap.max_examples, cheap.nll_samples) == (1000, 5)
    # an evaluation that takes under MIN_SECONDS keeps its settings, however short training
    assert budgeted(EvalConfig(nll_samples=4), MLP, 200, 1, 180) == EvalConfig(nll_samples=4)
    assert budgeted(EvalConfig(budget=None), CONV, 10, 1, 10**6) == EvalConfig(budget=None)


def test_the_bound_holds_and_is_idempotent():
    for train, epochs, split, k, budget, costs in itertools.product(
        (100, 2000, 50_000), (1, 10), (50, 5000, 100_000), (0, 5, 500), (0.1, 0.25), (MLP, CONV)
    ):
        cfg = EvalConfig(nll_samples=k, budget=budget)
        out = budgeted(cfg, costs, train, epochs, split)
        n = split if out.max_examples is None else out.max_examples
        seconds = max(budget * costs.train * train * epochs, MIN_SECONDS)
        assert n <= split and out.nll_samples <= k and (k == 0) == (out.nll_samples == 0)
        if out != cfg:  # whatever was cut fits the budget, in 1-2-5 steps
            assert n * (costs.example + out.nll_samples * costs.decode) <= seconds
            assert str(n).lstrip("125").strip("0") == ""
        assert budgeted(out, costs, train, epochs, split) == out


class SlowDecoder(nn.Module):
    """A decoder that sleeps 5 ms per decoded example: far more than any overhead."""

    def __init__(self, decoder: nn.Module) -> None:
        super().__init__()
        self.inner = decoder

    def forward(self, z, *args, **kwargs):
        time.sleep(5e-3 * z.reshape(-1, z.shape[-1]).shape[0])
        return self.inner(z, *args, **kwargs)


def _model(slow: bool, objective=("recon", "kl")):
    net = {"name": "mlp", "hidden": [8]}
    cfg = MODELS.get("vae")(latent_dim=2, encoder=net, decoder=net, objective=list(objective))
    model = cfg.build((1, 4, 4), 0)
    if slow:
        model.decoder = SlowDecoder(model.decoder)
    return model


def test_measured_costs_see_the_model_and_leave_it_and_the_rng_alone():
    data = ArrayDataset(torch.rand(16, 1, 4, 4).round())
    slow = _model(slow=True).train()
    before = {k: v.clone() for k, v in slow.state_dict().items()}
    rng = torch.get_rng_state()
    costs = measure_costs(slow, data, data, nll_samples=500, batch_size=8)
    assert torch.equal(torch.get_rng_state(), rng) and slow.training
    assert all(torch.equal(v, before[k]) for k, v in slow.state_dict().items())
    assert all(p.grad is None for p in slow.parameters())  # the step ran on a copy
    # each decoded example sleeps 5 ms: a training example decodes once, an IWAE one k times
    assert costs.decode >= 2.5e-3 and costs.example >= 2.5e-3 and costs.train >= 5e-3
    iwae = measure_costs(_model(True, [{"name": "iwae", "k": 5}]), data, data, 500, 8)
    assert iwae.train >= 25e-3 and iwae.train > 2 * costs.train
    fast = measure_costs(_model(slow=False), data, data, nll_samples=500, batch_size=8)
    assert fast.decode < costs.decode / 2 and fast.train < costs.train / 2
    assert measure_costs(slow, data, data, nll_samples=0, batch_size=8).decode == 0


def test_capped_is_a_fixed_subset_in_order():
    data = ArrayDataset(torch.arange(100.0).unsqueeze(1))
    assert capped(data, None) is data and capped(data, 100) is data
    a, b = capped(data, 10), capped(data, 10)
    assert len(a) == 10 and torch.equal(a.x, b.x)
    assert torch.all(a.x[1:, 0] > a.x[:-1, 0])  # the data's order
    assert not torch.equal(a.x[:, 0], torch.arange(10.0))  # not just the first ten


def test_a_cut_evaluation_is_said_saved_and_repeated(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "vaekit.api.training.measure_costs", lambda *a: Costs(3e-3, example=1e-3, decode=1e-2)
    )
    out = tmp_path / "run"
    args = ["train", "--data", "digits", "--epochs", "1", "--out", str(out)]
    for setting in ("data.subset=100", "model.latent_dim=2", "eval.num_pictures=0"):
        args += ["--set", setting]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # 0.25 × 3 × 1 ms × 100 examples < 2 s: 2 / (1 ms + 2 × 10 ms) = 95 → 50 examples,
    # (2 / 50 − 1 ms) / 10 ms = 3.9 → 2 samples
    assert "final evaluation: 50 of 180 test examples, IS-NLL with k=2 (" in result.stderr
    saved = api.load(out).config.eval
    assert (saved.max_examples, saved.nll_samples) == (50, 2)
    results = json.loads((out / "results.json").read_text())
    assert results["num_examples"] == 50 and results["nll_samples"] == 2
    assert api.evaluate(api.load(out)).to_dict() == results


@pytest.mark.parametrize("resume_epochs", [None, 2])
def test_a_resumed_run_keeps_its_saved_settings(tmp_path, monkeypatch, resume_epochs):
    cfg = api.make_config(
        None, model="vae", data="digits", epochs=1,
        overrides=["data.subset=100", "model.latent_dim=2", "eval.num_pictures=0",
                   "eval.max_examples=30", "eval.nll_samples=3"],
    )  # fmt: skip
    api.train(cfg, out=tmp_path / "run", progress=False)
    (tmp_path / "run" / "stages.json").write_text('{"done": ["weights"]}')

    def fail(*args):
        raise AssertionError("a resumed run timed its evaluation again")

    monkeypatch.setattr("vaekit.api.training.measure_costs", fail)
    result = api.resume(tmp_path / "run", epochs=resume_epochs, progress=False)
    assert result.results.num_examples == 30 and result.results.nll_samples == 3


def test_no_budget_times_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("vaekit.api.training.measure_costs", lambda *a: pytest.fail("timed"))
    cfg = api.make_config(
        None, model="vae", data="digits", epochs=1,
        overrides=["data.subset=50", "model.latent_dim=2", "eval.num_pictures=0",
                   "eval.nll_samples=2", "eval.budget=null"],
    )  # fmt: skip
    assert api.train(cfg, out=tmp_path / "run", progress=False).results.num_examples == 180
