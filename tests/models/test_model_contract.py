"""One contract over every registered continuous model: build, step, gradients, public API."""

import pytest
import torch

from vaekit.models import MODELS, LatentConfig, LatentModel
from vaekit.registry import VaekitError
from vaekit.types import Batch, StepContext

SHAPES = [(1, 8, 8), (3, 28, 28), (1, 64, 64), (10,)]


def _continuous():
    return [n for n in MODELS.names() if issubclass(MODELS.get(n), LatentConfig)]


@pytest.mark.parametrize("name", _continuous())
@pytest.mark.parametrize("network", ["mlp", "conv"])
def test_step_and_gradients(name, network):
    shape = (1, 8, 8)
    cfg = MODELS.get(name)(latent_dim=3, encoder=network, decoder=network)
    model = cfg.build(shape, num_classes=4)
    assert isinstance(model, LatentModel)
    x = torch.rand(5, *shape).round()
    y = torch.arange(5) % 4
    out = model.step(Batch(x, y), StepContext())
    assert out.loss.dim() == 0 and torch.isfinite(out.loss)
    assert all(t.shape == (5,) for t in out.terms.values())
    assert all(t.dim() == 0 for t in (*out.batch_terms.values(), *out.stats.values()))
    assert "recon" in out.terms
    out.loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname


@pytest.mark.parametrize("shape", SHAPES)
def test_networks_fit_every_supported_shape(shape):
    network = "mlp" if len(shape) == 1 else "conv"
    for likelihood in ("bernoulli", {"name": "gaussian", "learn": "pixel"}):
        model = MODELS.get("vae")(
            latent_dim=2, encoder=network, decoder=network, likelihood=likelihood
        ).build(shape)
        x = torch.rand(2, *shape)
        assert model.reconstruct(x).shape == x.shape
        assert model.sample(3).shape == (3, *shape)
        assert model.elbo(x).shape == (2,)
        assert model.log_likelihood(x, k=4).shape == (2,)


def test_public_api_shapes():
    model = MODELS.get("vae")(latent_dim=4).build((1, 28, 28))
    x = torch.rand(6, 1, 28, 28).round()
    q = model.encode(x)
    assert q.batch_shape == (6,) and q.event_shape == (4,)
    assert model.decode(q.mean).shape == x.shape
    assert model.log_weights(x, k=7).shape == (7, 6)


def test_conditional_model_uses_labels():
    torch.manual_seed(0)
    model = MODELS.get("cvae")(latent_dim=2).build((1, 8, 8), num_classes=3)
    z = torch.zeros(3, 2)
    out = model.decode(z, torch.tensor([0, 1, 2]))
    assert not torch.allclose(out[0], out[1])
    assert model.sample(6).shape == (6, 1, 8, 8)  # cycles through the classes
    with pytest.raises(Exception, match="pass class labels"):
        model.encode(torch.rand(2, 1, 8, 8))
    for labels, seen in (([0, 3], "from 0 to 3"), ([-1, 2], "from -1 to 2")):
        with pytest.raises(VaekitError, match=rf"labels must be in 0\.\.2 .* got labels {seen}"):
            model.encode(torch.rand(2, 1, 8, 8), torch.tensor(labels))


def test_ae_has_no_prior():
    model = MODELS.get("ae")(latent_dim=2).build((4,))
    with pytest.raises(Exception, match="no prior"):
        model.sample(2)
    q = model.encode(torch.rand(3, 4))
    assert torch.equal(q.rsample(), q.mean)


def test_models_are_listed_with_descriptions():
    described = MODELS.describe()
    for name in ("ae", "vae", "beta_vae", "beta_vae_capacity", "iwae", "cvae"):
        assert name in described and len(described[name]) > 20


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("beta_vae", {"beta": -1.0}, "model.beta must be >= 0"),
        ("beta_vae_capacity", {"gamma": -5.0}, "model.gamma must be >= 0"),
        ("beta_vae_capacity", {"c_max": -1.0}, "model.c_max must be >= 0"),
        ("vqvae", {"quantizer": {"name": "vq", "beta": -0.25}}, "beta must be >= 0"),
        ("lfq_vae", {"quantizer": {"name": "lfq", "entropy_weight": -1}}, "entropy_weight"),
        ("simvq_vae", {"quantizer": {"name": "simvq", "beta": -1}}, "beta must be >= 0"),
    ],
)
def test_negative_loss_weights_are_refused(name, options, message):
    from vaekit.registry import ConfigError

    with pytest.raises(ConfigError, match=message):
        MODELS.get(name)(**options).build((1, 8, 8))
