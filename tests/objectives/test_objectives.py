"""Objectives: β = 1 is the VAE, capacity follows its schedule, the k-sample bound ≥ ELBO."""

import itertools

import pytest
import torch

from vaekit.models import MODELS
from vaekit.objectives import ELBO, CapacityELBO, IWAEBound
from vaekit.types import StepContext

pytestmark = pytest.mark.usefixtures("float64")


def _model(name="vae", **kw):
    torch.manual_seed(0)
    cfg = MODELS.get(name)(
        latent_dim=3,
        encoder={"name": "mlp", "hidden": [16]},
        decoder={"name": "mlp", "hidden": [16]},
        **kw,
    )
    return cfg.build((6,), 3)


def test_beta_one_reproduces_vae():
    vae, beta = _model("vae"), _model("beta_vae", beta=1.0)
    beta.load_state_dict(vae.state_dict())
    x = torch.rand(8, 6).round()
    torch.manual_seed(1)
    a = vae.step(x, None, StepContext())
    torch.manual_seed(1)
    b = beta.step(x, None, StepContext())
    assert torch.equal(a.loss, b.loss)
    assert torch.equal(a.terms["kl"], b.terms["kl"])


def test_beta_weights_the_kl():
    model, x = _model(), torch.rand(8, 6).round()
    torch.manual_seed(2)
    out1 = ELBO(1.0)(model, x, None, StepContext())
    torch.manual_seed(2)
    out4 = ELBO(4.0)(model, x, None, StepContext(kl_weight=0.5))
    assert torch.allclose(out4.loss - out1.loss, (2.0 - 1.0) * out1.terms["kl"].mean())


def test_capacity_follows_its_schedule():
    obj = CapacityELBO(gamma=10.0, c_max=25.0, c_steps=100)
    assert [obj.capacity(t) for t in (0, 50, 100, 1000)] == [0.0, 12.5, 25.0, 25.0]
    model, x = _model(), torch.rand(8, 6).round()
    for step in (0, 40, 200):
        torch.manual_seed(3)
        out = obj(model, x, None, StepContext(step=step))
        expected = (
            out.terms["recon"].mean() + 10.0 * (out.terms["kl"].mean() - obj.capacity(step)).abs()
        )
        assert torch.allclose(out.loss, expected)
        assert out.stats["capacity"].item() == obj.capacity(step)


def test_iwae_k1_equals_vae_single_sample_monte_carlo_elbo():
    model, x = _model(), torch.rand(8, 6).round()
    torch.manual_seed(4)
    iw = IWAEBound(k=1)(model, x, None, StepContext())
    torch.manual_seed(4)
    q = model.encode(x)
    z = q.rsample((1,))
    mc = model.log_px_given_z(x, z) + model.prior_dist().log_prob(z) - q.log_prob(z)
    assert torch.allclose(iw.loss, -mc.mean())


def test_k_sample_bound_above_elbo_and_grows_with_k():
    model = _model()
    x = torch.rand(64, 6).round()
    torch.manual_seed(5)
    with torch.no_grad():
        elbo = model.elbo(x).mean()
        bounds = [_bound(model, x, k) for k in (1, 5, 50, 500)]
    assert bounds[0] == pytest.approx(elbo.item(), abs=0.3)
    assert all(b2 > b1 for b1, b2 in itertools.pairwise(bounds))
    assert bounds[-1] > elbo.item()


def _bound(model, x, k, repeats=20):
    """Average over repeats of the mean k-sample bound on x."""
    vals = [
        torch.logsumexp(model.log_weights(x, k), 0).mean() - torch.log(torch.tensor(k * 1.0))
        for _ in range(repeats)
    ]
    return torch.stack(vals).mean().item()
