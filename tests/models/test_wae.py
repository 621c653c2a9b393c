"""The Wasserstein autoencoders: WAE-MMD's kernel constant C = 2·d·σ²·s, WAE-GAN's
discriminator on its own optimizer and step, the SWAE's projections."""

import pytest
import torch

from vaekit.models import MODELS
from vaekit.models.wae import WAE_SCALES
from vaekit.objectives.swd import sliced_wasserstein
from vaekit.types import Batch, StepContext

D, SHAPE = 8, (1, 8, 8)
MLP = {"name": "mlp", "hidden": [16]}


def _model(name, **options):
    torch.manual_seed(0)
    return MODELS.get(name)(latent_dim=D, encoder=MLP, decoder=MLP, **options).build(SHAPE)


def _imq_mmd(x, y, c):
    """Unbiased MMD² with k = C / (C + ‖x − y‖²), written out pair by pair."""
    n = len(x)

    def k(a, b):
        return c / (c + (a - b).pow(2).sum())

    within = sum(k(x[i], x[j]) + k(y[i], y[j]) for i in range(n) for j in range(n) if i != j)
    across = sum(k(x[i], y[j]) for i in range(n) for j in range(n))
    return within / (n * (n - 1)) - 2 * across / n**2


def _step_and_replay(model, seed: int):
    """A training step on 6 random images, then the draws it made replayed in its order: the
    codes z, the decoder's pass over them, and the 6 prior samples its term compares them to."""
    x = torch.rand(6, *SHAPE).round()
    torch.manual_seed(seed)
    out = model.step(Batch(x), StepContext())
    torch.manual_seed(seed)
    z = model.encode(x).rsample()
    model.log_px_given_z(x, z)
    return out, z, torch.randn(6, D)


def test_wae_mmd_sums_imq_kernels_with_c_of_two_d_sigma_squared():
    model = _model("wae_mmd", lam=3.0)
    assert model.posterior.__class__.__name__ == "DeterministicPosterior"
    out, z, prior = _step_and_replay(model, seed=1)
    # σ² = 1 (N(0, I) prior): C = 2 · 8 · 1 · s for the authors' multipliers s
    want = sum(_imq_mmd(z, prior, 2 * D * s) for s in WAE_SCALES)
    torch.testing.assert_close(out.batch_terms["mmd"], want, rtol=1e-5, atol=1e-6)
    recon = out.terms["recon"].mean()
    torch.testing.assert_close(out.loss, recon + 3.0 * want, rtol=1e-5, atol=1e-5)


def test_wae_gan_trains_its_discriminator_with_its_own_optimizer():
    model = _model("wae_gan", lam=2.0)
    groups = model.optimizers()
    assert set(groups) == {"main", "discriminator"}
    main = {id(p) for p in groups["main"].params}
    disc = {id(p) for p in groups["discriminator"].params}
    assert disc and not main & disc
    assert main | disc == {id(p) for p in model.parameters()}
    assert groups["discriminator"].defaults == {"lr": 5e-4, "betas": [0.5, 0.999]}
    steps = model.steps()
    assert [(s.name, s.optimizer) for s in steps] == [
        ("main", "main"),
        ("discriminator", "discriminator"),
    ]
    batch = Batch(torch.rand(6, *SHAPE).round())
    steps[0].fn(batch, StepContext()).loss.backward()
    model.zero_grad()  # the engine zeroes each step's optimizer before its backward
    disc_out = steps[1].fn(batch, StepContext())
    disc_out.loss.backward()
    assert all(p.grad is not None for p in groups["discriminator"].params)
    assert all(p.grad is None for p in groups["main"].params)  # D's loss sees detached codes
    assert "disc_accuracy" in disc_out.batch_terms


@pytest.mark.parametrize("projections", [1, 7])
def test_swae_draws_its_projections(projections):
    model = _model("swae", lam=1.0, projections=projections)
    out, z, prior = _step_and_replay(model, seed=2)
    want = sliced_wasserstein(z, prior, projections)
    torch.testing.assert_close(out.batch_terms["swd"], want)
