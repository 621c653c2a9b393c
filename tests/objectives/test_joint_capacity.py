"""JointVAE's regulariser: capacities per kind, the temperature schedule and its place."""

import math

import pytest
import torch

from vaekit.distributions.joint import kl_parts
from vaekit.models import MODELS
from vaekit.objectives import Logs
from vaekit.objectives.joint import annealed_temperature
from vaekit.registry import ConfigError
from vaekit.types import Batch, StepContext

SHAPE = (1, 8, 8)
NETS = {"encoder": {"name": "mlp", "hidden": [16]}, "decoder": {"name": "mlp", "hidden": [16]}}


def test_temperature_falls_geometrically_from_start_to_end():
    assert annealed_temperature(0, 1.0, 0.25, 100) == 1.0
    assert annealed_temperature(50, 1.0, 0.25, 100) == pytest.approx(0.5)
    assert annealed_temperature(100, 1.0, 0.25, 100) == pytest.approx(0.25)
    assert annealed_temperature(10**6, 1.0, 0.25, 100) == pytest.approx(0.25)


def _model(**options):
    torch.manual_seed(0)
    return MODELS.get("joint_vae")(latent_dim=5, **NETS, **options).build(SHAPE)


def test_value_is_two_capacities_and_the_pass_is_drawn_at_the_scheduled_temperature():
    options = {
        "cont_gamma": 3.0,
        "cont_c_max": 8.0,
        "cont_c_steps": 100,
        "disc_gamma": 5.0,
        "disc_c_max": 4.0,
        "disc_c_steps": 100,
        "temperature_start": 2.0,
        "temperature_steps": 100,
    }
    model = _model(**options)
    term = model.objective.terms[0]
    p = model.forward_pass(Batch(torch.rand(6, *SHAPE).round()))
    logs = Logs()
    value = term(p, StepContext(step=50), logs)
    assert p.q.temperature == pytest.approx(math.sqrt(2.0 * 0.67))
    cont, disc = kl_parts(p.q, p.prior)
    # C_c(50) = 4; C_d(50) = 2, capped at log 3 (one 3-way categorical)
    expected = 3.0 * (cont.mean() - 4.0).abs() + 5.0 * (disc.mean() - math.log(3)).abs()
    assert value.item() == pytest.approx(expected.item())
    assert logs.stats["capacity_disc"].item() == pytest.approx(math.log(3))
    assert torch.equal(logs.terms["kl_cont"], cont) and torch.equal(logs.terms["kl_disc"], disc)


def test_eval_mode_keeps_exact_draws():
    model = _model().eval()
    term = model.objective.terms[0]
    p = model.forward_pass(Batch(torch.rand(6, *SHAPE).round()))
    term(p, StepContext(step=5, training=False), Logs())
    assert p.q.temperature == 0.0
    for block in p.q.blocks(p.z):
        assert ((block == 0) | (block == 1)).all()


def test_the_term_must_come_first_and_needs_the_joint_latent():
    with pytest.raises(ConfigError, match="must come first"):
        _model(objective=["recon", "joint_capacity"])
    with pytest.raises(ConfigError, match="needs the joint posterior and prior"):
        MODELS.get("vae")(latent_dim=4, objective=["joint_capacity", "recon"], **NETS).build(SHAPE)


def test_mismatched_blocks_are_one_line_at_the_first_step():
    model = _model(prior={"name": "joint", "discrete": [2]})
    with pytest.raises(Exception, match="same discrete sizes"):
        model.step(Batch(torch.rand(4, *SHAPE).round()), StepContext())
