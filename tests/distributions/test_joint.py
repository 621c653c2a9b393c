"""JointVAE's latent: the Gumbel-softmax limit, exact and relaxed draws, log-probability and the
analytic KL per kind, against hand computations (float64)."""

import math

import pytest
import torch

from vaekit.distributions.joint import JointNormalCategorical, gumbel_softmax, kl_parts
from vaekit.posteriors import POSTERIORS
from vaekit.priors import PRIORS
from vaekit.registry import VaekitError

pytestmark = pytest.mark.usefixtures("float64")


def _q(temperature=0.5):
    torch.manual_seed(0)
    loc, scale = torch.randn(4, 2), torch.rand(4, 2) + 0.5
    return JointNormalCategorical(loc, scale, torch.randn(4, 3 + 2), (3, 2), temperature)


def test_gumbel_softmax_tends_to_the_gumbel_max_draw_as_the_temperature_falls():
    """softmax((ℓ + g)/τ) → one_hot(argmax(ℓ + g)) as τ → 0, and that argmax is Cat(softmax ℓ)."""
    torch.manual_seed(1)
    logits = torch.tensor([1.0, 0.0, -1.0, 0.5])
    g = -torch.empty(5000, 4).exponential_().log()
    limit = torch.nn.functional.one_hot((logits + g).argmax(-1), 4).double()
    gaps = [(gumbel_softmax(logits, t, g) - limit).abs().max().item() for t in (1.0, 0.1, 0.01)]
    assert gaps[0] > gaps[1] > gaps[2]
    close = (gumbel_softmax(logits, 1e-3, g) - limit).abs().max(-1).values < 1e-6
    assert close.double().mean() > 0.99  # all but near-ties of the two largest entries
    assert torch.equal(gumbel_softmax(logits, 0.0, g), limit)
    frequencies = limit.mean(0)
    assert torch.allclose(frequencies, logits.softmax(-1), atol=0.02)  # 4 standard errors


def test_sample_is_one_hot_and_rsample_is_relaxed_with_gradients():
    q = _q()
    z = q.sample((3,))
    assert z.shape == (3, 4, 7)
    for block in q.blocks(z):
        assert torch.equal(block.sum(-1), torch.ones(3, 4)) and ((block == 0) | (block == 1)).all()
    q.logits.requires_grad_(True)
    relaxed = q.rsample((3,))
    inner = [(b > 0) & (b < 1) for b in q.blocks(relaxed)]
    assert all(m.all() for m in inner)  # strictly inside the simplex at τ = 0.5
    relaxed[..., 2:].pow(2).sum().backward()
    assert (q.logits.grad != 0).all()
    q.temperature = 0.0
    for block in q.blocks(q.rsample()):
        assert ((block == 0) | (block == 1)).all()


def test_log_prob_is_the_gaussian_density_plus_the_categories_log_mass():
    q = _q()
    z = q.sample()
    by_hand = []
    for b in range(4):
        total = sum(
            -0.5 * ((z[b, d] - q.loc[b, d]) / q.scale[b, d]) ** 2
            - math.log(q.scale[b, d] * math.sqrt(2 * math.pi))
            for d in range(2)
        )
        for start, size in ((0, 3), (3, 2)):  # blocks of z start after the 2 Gaussians
            k = int(z[b, 2 + start : 2 + start + size].argmax())
            total += q.logits[b, start : start + size].log_softmax(-1)[k]
        by_hand.append(float(total))
    assert torch.allclose(q.log_prob(z), torch.tensor(by_hand))


def test_mean_and_variance_of_the_blocks_are_the_categorical_ones():
    q = _q()
    probs = torch.cat([b.softmax(-1) for b in q.blocks(q.logits)], -1)
    assert torch.allclose(q.mean, torch.cat([q.loc, probs], -1))
    assert torch.allclose(q.variance, torch.cat([q.scale**2, probs * (1 - probs)], -1))


def test_kl_per_kind_is_analytic_and_matches_monte_carlo():
    q = _q()
    p = PRIORS.build({"name": "joint", "discrete": [3, 2]}, latent_dim=7)()
    gauss, cat = kl_parts(q, p)
    by_hand_gauss = (0.5 * (q.scale**2 + q.loc**2 - 1) - q.scale.log()).sum(-1)
    by_hand_cat = sum(
        (b.softmax(-1) * (b.log_softmax(-1) + math.log(b.shape[-1]))).sum(-1)
        for b in q.blocks(q.logits)
    )
    assert torch.allclose(gauss, by_hand_gauss) and torch.allclose(cat, by_hand_cat)
    kl = torch.distributions.kl_divergence(q, p)
    assert torch.allclose(kl, gauss + cat)
    torch.manual_seed(2)
    z = q.sample((100_000,))
    mc = q.log_prob(z) - p.log_prob(z)
    assert ((mc.mean(0) - kl).abs() < 5 * mc.std(0) / 100_000**0.5).all()


def test_kl_parts_refuse_different_blocks():
    p = PRIORS.build({"name": "joint", "discrete": [2, 3]}, latent_dim=7)()
    with pytest.raises(VaekitError, match="same discrete sizes"):
        kl_parts(_q(), p)


def test_posterior_draws_relaxed_in_training_and_exact_in_eval():
    torch.manual_seed(3)
    post = POSTERIORS.build({"name": "joint", "discrete": [4]}, features=5, latent_dim=6)
    h = torch.randn(8, 5)
    assert post(h).temperature == pytest.approx(0.67)
    assert post.eval()(h).temperature == 0.0
    block = post(h).rsample()[:, 2:]
    assert ((block == 0) | (block == 1)).all()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"discrete": [1]}, "category counts >= 2"),
        ({"discrete": []}, "category counts >= 2"),
        ({"discrete": [4, 4]}, "cannot hold discrete"),
        ({"temperature": 0.0}, "temperature must be > 0"),
    ],
)
def test_bad_posterior_options_are_one_line(options, message):
    with pytest.raises(ValueError, match=message):
        POSTERIORS.build({"name": "joint", **options}, features=5, latent_dim=6)
