"""Contract tests over every registered posterior q(z | x): registering one enrols it.

Each posterior is built as ``POSTERIORS.build(name, features=F, latent_dim=D)`` and run
in float64 on features ``h`` ``(B, F)``.
"""

import pytest
import torch
from torch.distributions import Independent, Normal

from vaekit.distributions import mean_of
from vaekit.posteriors import POSTERIORS

pytestmark = pytest.mark.usefixtures("float64")

B, F, D, S = 4, 5, 2, 3
# constructor options keeping a posterior small here; one not listed is built with defaults
OPTIONS = {
    "planar": {"length": 3},
    "radial": {"length": 3},
    "iaf": {"hidden": [16]},
    "maf": {"hidden": [16]},
    "coupling": {"hidden": [16], "transforms": 2},
}
# posteriors whose log_prob is not a density over R^D, and why
NOT_A_DENSITY = {
    "deterministic": "a Dirac delta: no density to normalise (log_prob is 0)",
    "joint": "one-hot categorical blocks: a mass there, a density in the rest",
}


def _build(name, seed=0):
    torch.manual_seed(seed)
    return POSTERIORS.build({"name": name, **OPTIONS.get(name, {})}, features=F, latent_dim=D)


def _features():
    torch.manual_seed(1)
    return torch.randn(B, F, requires_grad=True)


def _densities():
    return [
        pytest.param(n, marks=pytest.mark.skip(reason=NOT_A_DENSITY[n]))
        if n in NOT_A_DENSITY
        else n
        for n in POSTERIORS.names()
    ]


@pytest.mark.parametrize("name", POSTERIORS.names())
def test_shapes(name):
    """Batch ``(B,)``, event ``(D,)``; draws ``(S, B, D)``, log_prob ``(S, B)``, mean ``(B, D)``."""
    q = _build(name)(_features())
    assert q.batch_shape == (B,) and q.event_shape == (D,)
    assert q.sample().shape == (B, D) and q.log_prob(q.sample()).shape == (B,)
    for z in (q.sample((S,)), q.rsample((S,))):
        assert z.shape == (S, B, D) and z.dtype == torch.float64
        assert q.log_prob(z).shape == (S, B)
    assert mean_of(q).shape == (B, D)


@pytest.mark.parametrize("name", _densities())
def test_log_prob_normalises(name):
    """∫ q(z | x) dz = 1 per example, by importance sampling: E_r[q(z)/r(z)] within 0.02.

    The proposal r is a diagonal Gaussian at the mean of 4096 draws with twice their
    spread, so the weights stay bounded; 200k draws give a standard error near 0.003.
    """
    with torch.no_grad():
        q = _build(name)(_features())
        total, stderr = _normaliser(q, 200_000)
    assert stderr.max() < 0.005
    assert torch.allclose(total, torch.ones(B), atol=0.02)


def _normaliser(dist, n):
    torch.manual_seed(2)
    draws = dist.sample((4096,))
    r = Independent(Normal(draws.mean(0), 2 * draws.std(0)), 1)
    z = r.sample((n,))
    w = (dist.log_prob(z) - r.log_prob(z)).exp()
    return w.mean(0), w.std(0) / n**0.5


@pytest.mark.parametrize("name", POSTERIORS.names())
def test_gradients_reach_parameters_and_features_through_rsample(name):
    post, h = _build(name), _features()
    post(h).rsample((S,)).square().sum().backward()
    assert (h.grad != 0).all() and h.grad.isfinite().all()
    for pname, p in post.named_parameters():
        free = _unmasked(post, pname)
        assert p.grad is not None and (p.grad != 0)[free].all(), f"no gradient reaches {pname}"


def _unmasked(module, pname):
    """The entries of a parameter that can have a gradient: all, except the weights that a
    masked layer (zuko's ``MaskedLinear``: weight ⊙ mask) multiplies by zero."""
    owner, _, leaf = pname.rpartition(".")
    mask = getattr(module.get_submodule(owner), "mask", None) if leaf == "weight" else None
    return torch.ones_like(module.get_parameter(pname), dtype=torch.bool) if mask is None else mask


@pytest.mark.parametrize("name", POSTERIORS.names())
def test_state_dict_round_trip(name):
    """A fresh posterior loading the weights gives the same distribution."""
    post, other, h = _build(name), _build(name, seed=3), _features()
    other.load_state_dict(post.state_dict())
    z = post(h).sample((S,))
    assert torch.equal(other(h).log_prob(z), post(h).log_prob(z))
    assert torch.equal(mean_of(other(h)), mean_of(post(h)))
