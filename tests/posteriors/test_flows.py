"""Flow posteriors: log-determinants against autograd Jacobians, log q(z|x) with every
log-determinant, one pass for the ELBO and the importance weights, planar and radial
inverses (values and implicit gradients), invertibility constraints."""

import math

import pytest
import torch
from torch.autograd.functional import jacobian

from vaekit.distributions.flow import FlowDistribution
from vaekit.models import MODELS
from vaekit.posteriors import POSTERIORS, FlowPosterior
from vaekit.posteriors.planar_radial import PlanarTransform, RadialTransform
from vaekit.types import Batch, StepContext

pytestmark = pytest.mark.usefixtures("float64")

B, F, D = 3, 4, 3
FLOWS = [n for n in POSTERIORS.names() if isinstance(POSTERIORS.get(n)(F, D), FlowPosterior)]
SMALL = {"iaf": {"hidden": [16]}, "maf": {"hidden": [16]}, "coupling": {"hidden": [16]}}


def _flow(name, seed=0):
    """A flow posterior with parameters far from their (near-identity) initial values."""
    torch.manual_seed(seed)
    post = POSTERIORS.build({"name": name, **SMALL.get(name, {})}, features=F, latent_dim=D)
    with torch.no_grad():
        for p in post.steps.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return post


def _planar(seed=0):
    gen = torch.Generator().manual_seed(seed)
    u, w = torch.randn(B, D, generator=gen), torch.randn(B, D, generator=gen)
    return PlanarTransform(u, w, torch.randn(B, generator=gen))


def _radial(seed=0):
    gen = torch.Generator().manual_seed(seed)
    alpha = torch.rand(B, generator=gen) + 0.1
    beta = -alpha + torch.rand(B, generator=gen) * 3  # > −α
    return RadialTransform(torch.randn(B, D, generator=gen), alpha, beta)


def _log_abs_det(f, z):
    """log |det ∂f/∂z| per example from the autograd Jacobian of ``f: (B, D) → (B, D)``."""
    jac = jacobian(f, z)  # (B, D, B, D): the examples do not interact
    return torch.stack([torch.linalg.slogdet(jac[b, :, b])[1] for b in range(len(z))])


@pytest.mark.parametrize("make", [_planar, _radial], ids=["planar", "radial"])
def test_step_log_det_matches_autograd(make):
    step, z = make(), torch.randn(B, D)
    y, ladj = step.call_and_ladj(z)
    torch.testing.assert_close(ladj, _log_abs_det(step, z))
    torch.testing.assert_close(y, step(z))
    torch.testing.assert_close(step.log_abs_det_jacobian(z, y), ladj)


@pytest.mark.parametrize("name", FLOWS)
def test_log_q_holds_every_log_det(name):
    """log q(z|x) = log N(z₀; μ, σ²) − log |det ∂z/∂z₀| (autograd, whole flow), one pass
    (``rsample_and_log_prob``) and ``log_prob`` (the inverse) alike."""
    post, h = _flow(name), torch.randn(B, F)
    q = post(h)
    base, sample_dir = post.base(h), q.transform.inv
    z0 = base.sample()
    z = sample_dir(z0)
    expected = base.log_prob(z0) - _log_abs_det(sample_dir, z0)
    torch.testing.assert_close(q.log_prob(z), expected)
    torch.manual_seed(1)
    z1, log_q = q.rsample_and_log_prob()
    torch.testing.assert_close(log_q, q.log_prob(z1))


@pytest.mark.parametrize("make", [_planar, _radial], ids=["planar", "radial"])
def test_inverse_and_its_gradients(make):
    step = make()
    z = 2 * torch.randn(5, B, D)
    torch.testing.assert_close(step.inv(step(z)), z)

    def inverse(*params):
        y = params[-1]
        return type(step)(*params[:-1]).inv(y)

    params = [p.clone().requires_grad_() for p in _params(step)]
    y = step(torch.randn(B, D)).detach().requires_grad_()
    assert torch.autograd.gradcheck(inverse, (*params, y))


def _params(step):
    if isinstance(step, PlanarTransform):
        gen = torch.Generator().manual_seed(0)
        return [torch.randn(B, D, generator=gen), torch.randn(B, D, generator=gen), step.b]
    return [step.z0, step.alpha, step.beta]


def test_planar_stays_invertible_when_w_and_u_oppose():
    """wᵀu ≪ −1 would fold the plane; the constrained û keeps wᵀû > −1 and the log-det finite."""
    w = torch.tensor([[1.0, 0.0, 0.0]])
    step = PlanarTransform(-5 * w, w, torch.zeros(1))
    assert (step.w * step.u).sum(-1).item() > -1
    z = torch.linspace(-3, 3, 101)[:, None] * w
    y, ladj = step.call_and_ladj(z)
    assert ladj.isfinite().all() and (y[1:, 0] > y[:-1, 0]).all()  # increasing along w


@pytest.mark.parametrize("name", ["planar", "radial"])
def test_density_integrates_to_one_on_a_grid(name):
    """Far from the identity (the contract test sees the initial, near-identity flow)."""
    torch.manual_seed(0)
    post = POSTERIORS.build({"name": name, "length": 4}, features=F, latent_dim=2)
    with torch.no_grad():
        for p in post.steps.parameters():
            p.add_(torch.randn_like(p))
        q = post(torch.randn(1, F))
        axis = torch.linspace(-12, 12, 601)
        grid = torch.cartesian_prod(axis, axis)[:, None]
        mass = q.log_prob(grid).exp().sum() * (axis[1] - axis[0]) ** 2
    assert mass.item() == pytest.approx(1.0, abs=2e-3)


def test_the_elbo_and_the_importance_weights_run_the_flow_once(monkeypatch):
    """log q comes with the draw: ``log_prob`` (the inverse, D passes for an IAF) never runs."""
    torch.manual_seed(0)
    model = MODELS.get("vae")(
        latent_dim=D,
        posterior={"name": "iaf", "hidden": [8]},
        encoder={"name": "mlp", "hidden": [8]},
        decoder={"name": "mlp", "hidden": [8]},
    ).build((6,))
    x = torch.rand(B, 6).round()

    def refuse(self, value):
        raise AssertionError("log_prob ran: the flow ran twice")

    monkeypatch.setattr(FlowDistribution, "log_prob", refuse)
    p = model.forward_pass(Batch(x))
    z, log_q = p.draw
    torch.testing.assert_close(p.kl, log_q - p.prior.log_prob(z))
    model.step(Batch(x), StepContext()).loss.backward()
    assert model.log_likelihood(x, k=7).isfinite().all()
    monkeypatch.undo()
    torch.testing.assert_close(log_q, p.q.log_prob(z))


def test_mean_is_repeatable_and_near_the_sample_mean():
    post, h = _flow("iaf"), torch.randn(B, F)
    q = post(h)
    torch.testing.assert_close(q.mean, post(h).mean)
    draws = q.sample((20_000,))
    assert (q.mean - draws.mean(0)).abs().max() < 6 * draws.std(0).max() / math.sqrt(64)


def test_bad_options_get_one_line():
    for spec in ({"name": "planar", "length": 0}, {"name": "iaf", "transforms": 0}):
        with pytest.raises(ValueError, match="must be >= 1"):
            POSTERIORS.build(spec, features=F, latent_dim=D)
