"""Contract tests over every registered prior p(z), registering one enrols it; the KL rule
over every (posterior, prior) pair; known answers for the mixture priors.

A prior is built as ``PRIORS.build(name, latent_dim=D, input_shape=X, num_classes=C)``
(the registry passes what its signature accepts), its parameters are perturbed so that
the checks are not run at a symmetric initial point, and it is called with the context
its signature asks for: a stub model when it takes ``input_shape`` (it encodes inputs),
labels ``(B,)`` covering every class when it takes ``num_classes`` (then p has batch
shape ``(B,)``).
"""

import inspect
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Independent, Normal, kl_divergence

from vaekit.distributions import PointMass, kl_term, mean_of
from vaekit.posteriors import POSTERIORS, FlowPosterior
from vaekit.priors import PRIORS
from vaekit.registry import VaekitError
from vaekit.types import PriorContext

pytestmark = pytest.mark.usefixtures("float64")

B, D, S, C, FEATURES = 4, 2, 3, 3, 5
INPUT_SHAPE = (2, 3)
# constructor options keeping a prior small here; a prior not listed is built with defaults
OPTIONS = {
    "vamp": {"components": 5},
    "mog": {"components": 3, "learn_weights": True},
    "flow": {"hidden": [8]},
}
# the same for the posteriors of the KL pairs (as in tests/posteriors)
POSTERIOR_OPTIONS = {
    "planar": {"length": 3},
    "radial": {"length": 3},
    "iaf": {"hidden": [16]},
    "maf": {"hidden": [16]},
    "coupling": {"hidden": [16], "transforms": 2},
}
# whether KL(q ‖ p) must have a closed form, for the pairs where we know the answer
ANALYTIC_KL = {
    ("gaussian", "standard_normal"): True,
    ("gaussian", "conditional_gaussian"): True,
    ("gaussian", "mog"): False,
    ("gaussian", "vamp"): False,
    ("gaussian", "flow"): False,
    ("planar", "standard_normal"): False,
    ("joint", "joint"): True,
}
# priors whose log_prob is not a density over R^D, and why
NOT_A_DENSITY = {"joint": "one-hot categorical blocks: a mass there, a density in the rest"}


class StubModel(nn.Module):
    """An unconditional model whose encoder is one linear map of the flattened input:
    q(z | x) = N(μ(x), diag σ(x)²), batch ``(N,)``, event ``(D,)``."""

    def __init__(self, num_classes=0):
        super().__init__()
        self.num_classes = num_classes
        self.head = nn.Linear(math.prod(INPUT_SHAPE), 2 * D)

    def encode(self, x, y=None):
        loc, raw = self.head(x.flatten(1)).chunk(2, dim=-1)
        return Independent(Normal(loc, F.softplus(raw) + 0.1), 1)


def _build(name, seed=0):
    torch.manual_seed(seed)
    spec = {"name": name, **OPTIONS.get(name, {})}
    prior = PRIORS.build(spec, latent_dim=D, input_shape=INPUT_SHAPE, num_classes=C)
    with torch.no_grad():
        for p in prior.parameters():
            p.add_(0.5 * torch.randn_like(p))
    return prior


def _context(name):
    torch.manual_seed(1)
    params = inspect.signature(PRIORS.get(name)).parameters
    return PriorContext(
        model=StubModel() if "input_shape" in params else None,
        condition=torch.arange(B) % C if "num_classes" in params else None,
    )


def _batch(context):
    return () if context.condition is None else (B,)


@pytest.mark.parametrize("name", PRIORS.names())
def test_shapes(name):
    """Event ``(D,)``; draws ``(S, *batch, D)``; log_prob ``(S, *batch)``; mean ``(*batch, D)``."""
    ctx = _context(name)
    p, batch = _build(name)(ctx), _batch(ctx)
    assert p.event_shape == (D,) and p.batch_shape == batch
    draws = [p.sample((S,))] + ([p.rsample((S,))] if p.has_rsample else [])
    for z in draws:
        assert z.shape == (S, *batch, D) and z.dtype == torch.float64
        assert p.log_prob(z).shape == (S, *batch)
    assert p.sample().shape == (*batch, D)
    assert mean_of(p).shape == (*batch, D)


@pytest.mark.parametrize("name", PRIORS.names())
def test_log_prob_normalises(name):
    """∫ p(z) dz = 1 (per label), by importance sampling: E_r[p(z)/r(z)] within 0.02.

    The proposal r is a diagonal Gaussian at the mean of 4096 draws of p with twice their
    spread (wider than every mixture component), so the weights stay bounded; 200k draws
    give a standard error of a few thousandths.
    """
    if name in NOT_A_DENSITY:
        pytest.skip(NOT_A_DENSITY[name])
    ctx = _context(name)
    with torch.no_grad():
        p = _build(name)(ctx)
        torch.manual_seed(2)
        draws = p.sample((4096,))
        r = Independent(Normal(draws.mean(0), 2 * draws.std(0)), 1)
        z = r.sample((200_000,))
        w = (p.log_prob(z) - r.log_prob(z)).exp()
    assert (w.std(0) / 200_000**0.5).max() < 0.005
    assert torch.allclose(w.mean(0), torch.ones(_batch(ctx)), atol=0.02)


@pytest.mark.parametrize("name", PRIORS.names())
def test_gradients_reach_every_parameter(name):
    """Through log_prob (what a KL term uses), and through rsample when p has one.

    Mixtures (``MixtureSameFamily``) have no reparameterised sample; their rsample is
    not part of the contract.
    """
    prior, ctx = _build(name), _context(name)
    if not list(prior.parameters()):
        pytest.skip("no parameters")
    torch.manual_seed(3)
    z = torch.randn(S, *_batch(ctx), D)
    losses = {"log_prob": lambda p: p.log_prob(z).sum()}
    if prior(ctx).has_rsample:
        losses["rsample"] = lambda p: p.rsample((S,)).square().sum()
    for how, loss in losses.items():
        prior.zero_grad()
        loss(prior(ctx)).backward()
        for pname, param in prior.named_parameters():
            grad, free = param.grad, _unmasked(prior, pname)
            ok = grad is not None and (grad != 0)[free].all()
            assert ok, f"{how}: no gradient reaches {pname}"


def _unmasked(module, pname):
    """The entries of a parameter that can have a gradient: all, except the weights that a
    masked layer (zuko's ``MaskedLinear``: weight ⊙ mask) multiplies by zero."""
    owner, _, leaf = pname.rpartition(".")
    mask = getattr(module.get_submodule(owner), "mask", None) if leaf == "weight" else None
    return torch.ones_like(module.get_parameter(pname), dtype=torch.bool) if mask is None else mask


@pytest.mark.parametrize("name", PRIORS.names())
def test_state_dict_round_trip(name):
    """A fresh prior loading the weights gives the same distribution."""
    prior, other, ctx = _build(name), _build(name, seed=4), _context(name)
    other.load_state_dict(prior.state_dict())
    z = prior(ctx).sample((S,))
    assert torch.equal(other(ctx).log_prob(z), prior(ctx).log_prob(z))


@pytest.mark.parametrize("name", PRIORS.names())
def test_without_context_gives_p_or_a_clear_error(name):
    """Called without what it needs, a prior raises VaekitError (never an AttributeError)."""
    ctx = _context(name)
    prior = _build(name)
    for partial in (None, PriorContext(), PriorContext(model=ctx.model)):
        try:
            prior(partial)
        except VaekitError as e:
            assert name in str(e)


def _kl_pairs():
    """Every (posterior, prior) pair, except that a flow posterior meets the standard normal
    only: its KL takes the same Monte-Carlo path with every prior, and 200k draws of a flow
    cost seconds per pair."""
    flows = {
        name
        for name in POSTERIORS.names()
        if isinstance(POSTERIORS.get(name)(features=FEATURES, latent_dim=D), FlowPosterior)
    }
    return [
        (post, prior)
        for post in POSTERIORS.names()
        for prior in PRIORS.names()
        if post not in flows or prior == "standard_normal"
    ]


@pytest.mark.parametrize(("post_name", "prior_name"), _kl_pairs())
def test_kl_term_matches_monte_carlo(post_name, prior_name):
    """``kl_term`` vs a 200k-draw estimate of E_q[log q − log p], within 5 standard errors.

    Analytic pairs must equal ``kl_divergence``; the others must fall back to
    log q(z) − log p(z) at the given z, and their average over 20k draws must match.
    """
    ctx = _context(prior_name)
    torch.manual_seed(5)
    spec = {"name": post_name, **POSTERIOR_OPTIONS.get(post_name, {})}
    posterior = POSTERIORS.build(spec, features=FEATURES, latent_dim=D)
    with torch.no_grad():
        q, p = posterior(torch.randn(B, FEATURES)), _build(prior_name)(ctx)
        if isinstance(q, PointMass):
            pytest.skip("a Dirac delta has no density: KL(δ ‖ p) is infinite")
        try:
            analytic = kl_divergence(q, p)
        except NotImplementedError:
            analytic = None
        if (post_name, prior_name) in ANALYTIC_KL:
            assert (analytic is not None) == ANALYTIC_KL[post_name, prior_name]
        gap = _log_ratios(q, p, 200_000)
        mc, se = gap.mean(0), gap.std(0) / 200_000**0.5
        if analytic is not None:
            assert torch.equal(kl_term(q, p, q.sample()), analytic)
            assert ((analytic - mc).abs() < 5 * se).all()
        else:
            z = q.sample((20_000,))
            kl = kl_term(q, p, z)
            assert torch.equal(kl, q.log_prob(z) - p.log_prob(z))
            se_small = kl.std(0) / 20_000**0.5
            assert ((kl.mean(0) - mc).abs() < 5 * (se**2 + se_small**2).sqrt()).all()


def _log_ratios(q, p, n):
    z = q.sample((n,))
    return q.log_prob(z) - p.log_prob(z)


class KnownEncoder(nn.Module):
    """q(z | x) = N(x, 0.5² I) for inputs of shape ``(D,)``: the posterior is known."""

    num_classes = 0

    def encode(self, x, y=None):
        return Independent(Normal(x, torch.full_like(x, 0.5)), 1)


def _log_normal(z, loc, scale):
    return -0.5 * ((z - loc) / scale) ** 2 - math.log(math.sqrt(2 * math.pi)) - torch.log(scale)


def test_vamp_is_the_equal_weight_mixture_of_encoded_pseudo_inputs():
    """p(z) = (1/K) Σ_k N(z; u_k, 0.5² I), summed by hand over K = 4 pseudo-inputs."""
    torch.manual_seed(6)
    prior = PRIORS.build({"name": "vamp", "components": 4}, input_shape=(D,))
    with torch.no_grad():
        prior.raw_inputs.copy_(torch.randn(4, D))
    u = prior.pseudo_inputs
    assert ((u > 0) & (u < 1)).all()
    z = torch.rand(7, D)
    expected = sum(_log_normal(z, u[k], torch.tensor(0.5)).sum(-1).exp() for k in range(4)) / 4
    p = prior(PriorContext(model=KnownEncoder()))
    assert torch.allclose(p.log_prob(z), expected.log())


def test_vamp_refuses_conditional_models_and_bad_options():
    prior = PRIORS.build({"name": "vamp", "components": 2}, input_shape=(D,))
    model = KnownEncoder()
    model.num_classes = 3
    with pytest.raises(VaekitError, match="unconditional"):
        prior(PriorContext(model=model))
    with pytest.raises(ValueError, match="components"):
        PRIORS.build({"name": "vamp", "components": 0}, input_shape=(D,))


@pytest.mark.parametrize("learn_weights", [False, True])
def test_mog_log_prob_is_a_logsumexp_over_components(learn_weights):
    """log p(z) = logsumexp_k [log π_k + Σ_d log N(z_d; μ_kd, σ_kd)]; π uniform unless learned."""
    torch.manual_seed(7)
    prior = PRIORS.build(
        {"name": "mog", "components": 3, "learn_weights": learn_weights}, latent_dim=D
    )
    with torch.no_grad():
        for p in prior.parameters():
            p.add_(torch.randn_like(p))
    log_pi = prior.logits.log_softmax(0) if learn_weights else torch.full((3,), -math.log(3))
    z = torch.randn(7, 1, D)
    per_component = log_pi + _log_normal(z, prior.loc, prior.scale).sum(-1)
    assert torch.allclose(prior().log_prob(z.squeeze(1)), per_component.logsumexp(-1))
    assert isinstance(prior.logits, nn.Parameter) == learn_weights


def test_conditional_gaussian_needs_classes_and_integer_labels():
    with pytest.raises(ValueError, match="num_classes"):
        PRIORS.build("conditional_gaussian", latent_dim=D, num_classes=0)
    prior = PRIORS.build("conditional_gaussian", latent_dim=D, num_classes=C)
    with pytest.raises(VaekitError, match="labels"):
        prior(PriorContext(condition=torch.zeros(B)))
    y = torch.tensor([2, 0, 2])
    p = prior(PriorContext(condition=y))
    assert torch.equal(p.base_dist.loc, prior.loc[y])
