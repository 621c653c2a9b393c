"""Evaluation over several internal batches equals evaluation in one batch (600 examples,
batches of 512 and of 7 against one batch of 600)."""

from __future__ import annotations

import math

import pytest
import torch

from vaekit.config import EvalConfig
from vaekit.data import ArrayDataset
from vaekit.evaluation.report import evaluate_model
from vaekit.likelihoods.gaussian import Gaussian
from vaekit.models import MODELS
from vaekit.models.latent import LatentModel
from vaekit.nn.mlp import LinearDecoder, LinearEncoder
from vaekit.objectives import build_objective
from vaekit.posteriors import DiagonalGaussian
from vaekit.priors import StandardNormal

N = 600


def _sharp_vae() -> LatentModel:
    """A VAE whose posterior scale is the 1e-4 floor: its one-sample terms barely move
    from draw to draw, so any two batchings must agree to ~1e-6."""
    torch.manual_seed(0)
    model = MODELS.get("vae")(
        latent_dim=3,
        encoder={"name": "mlp", "hidden": [16]},
        decoder={"name": "mlp", "hidden": [16]},
    ).build((1, 4, 4))
    with torch.no_grad():
        model.posterior.head.bias[3:] = -40.0
        model.posterior.head.weight[3:] = 0.0
    return model.eval()


def _exact_ppca() -> tuple[LatentModel, torch.Tensor]:
    """A probabilistic PCA whose posterior is exact: every importance weight equals p(x),
    so the IS estimate is exact for any k and any batching."""
    torch.manual_seed(1)
    dz, dx, sigma = 2, 5, 0.5
    w, b = torch.randn(dx, dz, dtype=torch.float64), torch.randn(dx, dtype=torch.float64)
    posterior = DiagonalGaussian(dx, dz)
    model = LatentModel(
        LinearEncoder((dx,)),
        posterior,
        StandardNormal(dz),
        LinearDecoder(dz, (dx,)),
        Gaussian(sigma=sigma),
        build_objective(["recon", "kl"]),
        input_shape=(dx,),
        latent_dim=dz,
    ).double()
    # q(z|x) = N(M⁻¹ Wᵀ (x − b), σ² M⁻¹) with M = WᵀW + σ²I: exact only if M is diagonal,
    # so orthogonalise the columns of W first
    w, _ = torch.linalg.qr(w)
    w = w * torch.tensor([2.0, 0.7], dtype=torch.float64)
    m = torch.diag(w.T @ w) + sigma**2
    with torch.no_grad():
        posterior.head.weight.zero_()
        posterior.head.weight[:dz] = (w / m).T
        posterior.head.bias[:dz] = -(w / m).T @ b
        posterior.head.bias[dz:] = torch.log(torch.expm1(sigma / m.sqrt() - 1e-4))
        model.decoder.linear.weight.copy_(w)
        model.decoder.linear.bias.copy_(b)
    x = torch.randn(N, dz, dtype=w.dtype) @ w.T + b + sigma * torch.randn(N, dx, dtype=w.dtype)
    cov = w @ w.T + sigma**2 * torch.eye(dx, dtype=w.dtype)
    exact = torch.distributions.MultivariateNormal(b, cov).log_prob(x)
    return model.eval(), x, exact


@pytest.mark.parametrize("batch_size", [512, 7])
def test_posterior_evaluation_in_batches_equals_one_batch(batch_size):
    model = _sharp_vae()
    x = torch.rand(N, 1, 4, 4, generator=torch.Generator().manual_seed(2)).round()
    cfg = EvalConfig(nll_samples=0, active_threshold=1e-4)
    one = evaluate_model(model, ArrayDataset(x), cfg, batch_size=N)
    many = evaluate_model(model, ArrayDataset(x), cfg, batch_size=batch_size)
    assert many.num_examples == one.num_examples == N
    for key in ("recon", "kl", "elbo"):
        assert getattr(many, key) == pytest.approx(getattr(one, key), rel=1e-5), key
    assert many.kl_per_dim == pytest.approx(one.kl_per_dim, rel=1e-6)
    assert many.active_dims == one.active_dims and many.active_units == one.active_units
    # and the value is the per-example mean, not a mean of batch means
    q = model.encode(x)
    with torch.no_grad():
        recon = -model.log_px_given_z(x, q.mean).double().mean().item()
    assert one.recon == pytest.approx(recon, rel=1e-4)


def test_importance_sampled_nll_in_batches_equals_the_exact_likelihood():
    model, x, exact = _exact_ppca()
    small = EvalConfig(nll_samples=3, memory_budget_mb=0.01)  # forces many input batches
    for cfg, batch_size in ((small, 512), (EvalConfig(nll_samples=3), N)):
        r = evaluate_model(model, ArrayDataset(x), cfg, batch_size=batch_size)
        assert r.nll == pytest.approx(-exact.mean().item(), rel=1e-9)
        assert r.bits_per_dim == pytest.approx(r.nll / (5 * math.log(2)), rel=1e-12)


def test_codebook_evaluation_in_batches_equals_one_batch():
    torch.manual_seed(0)
    model = (
        MODELS.get("vqvae")(
            latent_dim=4,
            encoder={"name": "conv_grid", "channels": 8},
            decoder={"name": "conv_grid", "channels": 8},
            quantizer={"name": "vq", "codebook_size": 32},
        )
        .build((1, 8, 8))
        .eval()
    )
    x = torch.rand(N, 1, 8, 8, generator=torch.Generator().manual_seed(3)).round()
    one = evaluate_model(model, ArrayDataset(x), EvalConfig(), batch_size=N)
    many = evaluate_model(model, ArrayDataset(x), EvalConfig(), batch_size=512)
    assert many.recon == pytest.approx(one.recon, rel=1e-6)
    verdict = many.extras.pop("codebook_verdict")
    assert verdict == one.extras.pop("codebook_verdict")
    assert many.extras == pytest.approx(one.extras, rel=1e-6)
