"""Quantized models: every registered one trains, eval codes are codebook lookups, grids fit."""

import pytest
import torch

from vaekit.api import make_config
from vaekit.config import DataConfig
from vaekit.data import load_data
from vaekit.models import MODELS, LatentConfig, QuantizedConfig, QuantizedModel
from vaekit.priors import TransformerPrior
from vaekit.registry import ConfigError, VaekitError
from vaekit.types import Batch, StepContext

QUANTIZED = [n for n in MODELS.names() if issubclass(MODELS.get(n), QuantizedConfig)]
NETS = {
    "encoder": {"name": "conv_grid", "channels": 16},
    "decoder": {"name": "conv_grid", "channels": 16},
}


def small(name: str, shape=(1, 8, 8), **options) -> QuantizedModel:
    torch.manual_seed(0)
    return MODELS.get(name)(latent_dim=8, **{**NETS, **options}).build(shape)


@pytest.fixture(scope="module")
def digits():
    """64 real 8×8 digits, binarised once."""
    return load_data(DataConfig(name="digits", binarize="static")).train.batch(torch.arange(64)).x


def test_the_family_is_registered_apart_from_continuous_models():
    expected = {
        "vqvae",
        "vqvae_ema",
        "vqvae_rotation",
        "cvq_vae",
        "simvq_vae",
        "rvq_vae",
        "grouped_vq_vae",
        "fsq_vae",
        "lfq_vae",
    }
    assert expected <= set(QUANTIZED)
    described = MODELS.describe()
    for name in QUANTIZED:
        assert not issubclass(MODELS.get(name), LatentConfig)
        assert len(described[name]) > 20
    assert MODELS.get("vqvae")().quantizer == "vq"


@pytest.mark.parametrize("name", QUANTIZED)
def test_a_few_training_steps_decrease_the_loss(name, digits):
    model = small(name)

    def eval_loss() -> float:
        model.eval()
        with torch.no_grad():
            return model.step(Batch(digits, None), StepContext(training=False)).loss.item()

    before = eval_loss()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for step in range(40):
        out = model.step(Batch(digits, None), StepContext(step=step))
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    assert eval_loss() < 0.9 * before


@pytest.mark.parametrize("name", QUANTIZED)
def test_eval_codes_are_codebook_lookups(name, digits):
    model = small(name, shape=(1, 28, 28)).eval()
    x = torch.nn.functional.interpolate(digits[:6], size=28)
    q = model.encode(x)
    assert q.indices.shape == (6, *model.code_shape) and q.indices.dtype == torch.int64
    assert torch.equal(q.z_q, model.quantizer.indices_to_codes(q.indices))
    assert torch.equal(model.reconstruct(x), model.decode_indices(q.indices))


def test_step_logs_terms_and_quantizer_stats(digits):
    model = small("vqvae").train()
    out = model.step(Batch(digits[:5], None), StepContext())
    assert set(out.terms) == {"recon"} and out.terms["recon"].shape == (5,)
    assert set(out.batch_terms) == {"quantizer", "commit", "codebook"}
    assert all(t.dim() == 0 for t in out.batch_terms.values())
    assert torch.allclose(
        out.batch_terms["quantizer"], out.batch_terms["commit"] + out.batch_terms["codebook"]
    )
    assert torch.allclose(out.loss, out.terms["recon"].mean() + out.batch_terms["quantizer"])
    assert {"perplexity", "usage", "quant_error", "dead_codes"} <= set(out.stats)
    assert all(v.dim() == 0 for v in out.stats.values())
    out.loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname


@pytest.mark.parametrize(
    ("shape", "options", "code_shape"),
    [
        ((1, 28, 28), {}, (7, 7)),
        ((1, 64, 64), {}, (16, 16)),
        ((1, 64, 64), {"encoder": {"name": "conv_grid", "channels": 8, "stages": 3}}, (8, 8)),
        ((1, 8, 8), {}, (2, 2)),
        ((3, 8, 8), {"quantizer": "residual_vq"}, (2, 2, 4)),
        ((10,), {"encoder": "mlp_grid", "decoder": "mlp_grid"}, (4,)),
    ],
)
def test_grids_fit_every_supported_shape(shape, options, code_shape):
    model = small("vqvae", shape=shape, **options).eval()
    x = torch.rand(2, *shape)
    assert model.code_shape == code_shape
    assert model.reconstruct(x).shape == x.shape
    assert model.encode(x).z_q.shape == (
        2,
        *code_shape[: len(code_shape) - (len(model.quantizer.index_shape))],
        8,
    )


def test_sampling_needs_a_prior_over_codes():
    model = small("vqvae").eval()
    assert model.prior is None and model.num_classes == 0 and model.latent_dim == 8
    with pytest.raises(VaekitError, match="vaekit train-prior RUN_DIR"):
        model.sample(2)
    model.prior = TransformerPrior(
        vocab_size=model.quantizer.codebook_size, length=model.code_length, width=16, layers=1
    ).eval()
    assert model.sample(3).shape == (3, 1, 8, 8)


def test_any_quantizer_is_reachable_from_the_config():
    cfg = make_config(model="vqvae", overrides=["model.quantizer.name=fsq"])
    assert type(cfg.model.build((1, 8, 8)).quantizer).__name__ == "FSQ"
    cfg = make_config(model="vqvae", overrides=["model.quantizer.codebook_size=64"])
    assert cfg.model.build((1, 8, 8)).quantizer.codebook_size == 64


def test_networks_that_keep_no_grid_are_refused():
    with pytest.raises(ConfigError, match="mlp_grid"):
        MODELS.get("vqvae")().build((10,))
    with pytest.raises(ConfigError, match="grid network"):
        MODELS.get("vqvae")(decoder="conv").build((1, 8, 8))
    with pytest.raises(ConfigError, match="grid network"):
        MODELS.get("vqvae")(encoder="conv").build((1, 8, 8))
