"""Importance-weighted bounds at their limits (Rainforth et al. 2018) and the DReG gradient
(Tucker et al. 2019), on one tiny model with the same draws for every estimator."""

import pytest
import torch

from vaekit.models import MODELS
from vaekit.objectives import build_objective
from vaekit.ops import log_mean_exp
from vaekit.types import Batch, StepContext

pytestmark = pytest.mark.usefixtures("float64")


def _model():
    torch.manual_seed(0)
    net = {"name": "mlp", "hidden": [8]}
    return MODELS.get("vae")(latent_dim=2, encoder=net, decoder=net).build((6,))


MODEL = None
X = torch.tensor([[1, 0, 1, 1, 0, 0], [0, 0, 1, 0, 1, 1], [1, 1, 1, 0, 0, 1]]).double()


def _groups(model):
    encoder = [*model.encoder.parameters(), *model.posterior.parameters()]
    return encoder, list(model.decoder.parameters())


def _run(model, spec, seed=1, kl_weight=1.0):
    """The term's value ``(B,)`` and the gradients of its mean (encoder, decoder)."""
    torch.manual_seed(seed)
    out = build_objective([spec])(model.forward_pass(Batch(X)), StepContext(kl_weight=kl_weight))
    encoder, decoder = _groups(model)
    grads = torch.autograd.grad(out.loss, encoder + decoder)
    value = out.terms[spec["name"]].detach()
    return value, grads[: len(encoder)], grads[len(encoder) :]


def _log_weights_by_hand(model, n, seed=1):
    torch.manual_seed(seed)
    q = model.encode(X)
    z = q.rsample((n,))
    return model.log_px_given_z(X, z) + model.prior_dist().log_prob(z) - q.log_prob(z)


def _same(a, b):
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x, y)


@pytest.fixture(scope="module")
def model():
    torch.set_default_dtype(torch.float64)
    try:
        return _model()
    finally:
        torch.set_default_dtype(torch.float32)


def test_miwae_with_one_group_is_iwae(model):
    v, enc, dec = _run(model, {"name": "miwae", "m": 1, "k": 5})
    v2, enc2, dec2 = _run(model, {"name": "iwae", "k": 5})
    torch.testing.assert_close(v, v2)
    _same(enc + dec, enc2 + dec2)


def test_miwae_with_one_sample_per_group_is_the_averaged_elbo(model):
    v, _, _ = _run(model, {"name": "miwae", "m": 4, "k": 1})
    torch.testing.assert_close(v, -_log_weights_by_hand(model, 4).mean(0).detach())


def test_ciwae_interpolates_between_the_vae_and_iwae(model):
    log_w = _log_weights_by_hand(model, 5).detach()
    for beta, expected in ((0.0, -log_mean_exp(log_w, 0)), (1.0, -log_w.mean(0))):
        v, _, _ = _run(model, {"name": "ciwae", "k": 5, "beta": beta})
        torch.testing.assert_close(v, expected)
    v, _, _ = _run(model, {"name": "ciwae", "k": 5, "beta": 0.25})
    torch.testing.assert_close(v, -0.25 * log_w.mean(0) - 0.75 * log_mean_exp(log_w, 0))


def test_piwae_with_one_group_is_iwae(model):
    v, enc, dec = _run(model, {"name": "piwae", "m": 1, "k": 5})
    v2, enc2, dec2 = _run(model, {"name": "iwae", "k": 5})
    torch.testing.assert_close(v, v2)
    _same(enc + dec, enc2 + dec2)


@pytest.mark.parametrize(("m", "k"), [(4, 1), (2, 3)])
def test_piwae_trains_the_encoder_on_miwae_and_the_decoder_on_iwae(model, m, k):
    """k = 1: the encoder gets the averaged ELBO's gradient, the decoder IWAE(m)'s."""
    for kl_weight in (1.0, 0.3):
        v, enc, dec = _run(model, {"name": "piwae", "m": m, "k": k}, kl_weight=kl_weight)
        _, enc_m, _ = _run(model, {"name": "miwae", "m": m, "k": k}, kl_weight=kl_weight)
        v_i, _, dec_i = _run(model, {"name": "iwae", "k": m * k}, kl_weight=kl_weight)
        torch.testing.assert_close(v, v_i)
        _same(enc, enc_m)
        _same(dec, dec_i)


def test_dreg_keeps_the_value_and_the_decoder_gradient(model):
    for kl_weight in (1.0, 0.5):
        v, _, dec = _run(model, {"name": "iwae", "k": 5, "dreg": True}, kl_weight=kl_weight)
        v2, _, dec2 = _run(model, {"name": "iwae", "k": 5}, kl_weight=kl_weight)
        torch.testing.assert_close(v, v2)
        _same(dec, dec2)


def _encoder_gradients(model, spec, seeds):
    return torch.stack([torch.cat([g.flatten() for g in _run(model, spec, s)[1]]) for s in seeds])


@pytest.mark.parametrize("kl_weight", [1.0, 0.4])
def test_dreg_agrees_in_expectation_with_lower_encoder_variance(model, kl_weight):
    """Mean encoder gradients over 600 draws agree within 4.5 standard errors, entry by
    entry; DReG's total variance is lower (Tucker et al. 2019, figure 1)."""
    seeds = range(600)
    kw = {"kl_weight": kl_weight}

    def grads(dreg):
        spec = {"name": "iwae", "k": 10, "dreg": dreg}
        return torch.stack(
            [torch.cat([g.flatten() for g in _run(model, spec, s, **kw)[1]]) for s in seeds]
        )

    plain, dreg = grads(False), grads(True)
    se = ((plain.var(0) + dreg.var(0)) / len(seeds)).sqrt()
    assert ((plain.mean(0) - dreg.mean(0)).abs() < 4.5 * se + 1e-12).all()
    # Under KL warm-up only part of the score term is removed: (1 - β) w̃ stays.
    assert dreg.var(0).sum() < (0.5 if kl_weight == 1.0 else 0.8) * plain.var(0).sum()


def test_dreg_needs_a_gaussian_posterior():
    from vaekit.registry import VaekitError

    torch.manual_seed(0)
    net = {"name": "mlp", "hidden": [8]}
    flow = MODELS.get("iwae")(
        latent_dim=2, dreg=True, posterior={"name": "planar", "length": 2}, encoder=net, decoder=net
    ).build((6,))
    with pytest.raises(VaekitError, match="dreg gradient needs a diagonal-Gaussian"):
        flow.step(Batch(X), StepContext())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "miwae", "m": 0}, "m must be >= 1"),
        ({"name": "piwae", "k": 0}, "k must be >= 1"),
        ({"name": "ciwae", "beta": 1.5}, "0 <= beta <= 1"),
    ],
)
def test_bad_options_get_one_line(spec, message):
    from vaekit.registry import ConfigError

    with pytest.raises(ConfigError, match=message):
        build_objective([spec])
