"""Objectives as weighted terms: each term against an independent computation on a fixed
model, batch and seed (β weights the KL, capacity follows its schedule, IWAE is a
log-mean-exp of importance weights), and the rules of composing them."""

import itertools
import math

import pytest
import torch
from torch.distributions import Normal

from vaekit.models import MODELS
from vaekit.objectives import TERMS, build_objective
from vaekit.registry import ConfigError, UnknownNameError
from vaekit.types import Batch, StepContext

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


def _x(n=8):
    return torch.rand(n, 6, generator=torch.Generator().manual_seed(9)).round()


def _run(model, specs, x, seed=1, **ctx):
    torch.manual_seed(seed)
    return build_objective(specs)(model.forward_pass(Batch(x)), StepContext(**ctx))


def _by_hand(model, x, seed=1):
    """−log p(x|z) and KL(q ‖ N(0, I)) per example, from the parts, with the same draw."""
    torch.manual_seed(seed)
    q = model.encode(x)
    loc, scale = q.base_dist.loc, q.base_dist.scale
    z = loc + scale * torch.randn_like(loc)
    logits = model.decoder(z).squeeze(1)
    recon = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(
        -1
    )
    kl = 0.5 * (loc**2 + scale**2 - 1 - 2 * scale.log()).sum(-1)
    return recon, kl


def test_elbo_terms_equal_a_hand_computation():
    model, x = _model(), _x()
    recon, kl = _by_hand(model, x)
    out = _run(model, ["recon", "kl"], x)
    torch.testing.assert_close(out.terms["recon"], recon)
    torch.testing.assert_close(out.terms["kl"], kl)
    torch.testing.assert_close(out.loss, (recon + kl).mean())


@pytest.mark.parametrize(("beta", "kl_weight"), [(1.0, 1.0), (4.0, 1.0), (4.0, 0.25), (0.5, 0.0)])
def test_beta_and_warmup_weight_the_kl(beta, kl_weight):
    model, x = _model(), _x()
    recon, kl = _by_hand(model, x)
    out = _run(model, ["recon", {"name": "kl", "weight": beta}], x, kl_weight=kl_weight)
    torch.testing.assert_close(out.loss, (recon + beta * kl_weight * kl).mean())


def test_beta_vae_model_uses_its_beta():
    x = _x()
    losses = {}
    for beta in (1.0, 4.0):
        model = _model("beta_vae", beta=beta)
        torch.manual_seed(1)
        losses[beta] = model.step(Batch(x), StepContext())
    recon, kl = losses[1.0].terms["recon"], losses[1.0].terms["kl"]
    torch.testing.assert_close(losses[4.0].loss, (recon + 4.0 * kl).mean())
    vae = _model("vae")
    torch.manual_seed(1)
    torch.testing.assert_close(vae.step(Batch(x), StepContext()).loss, losses[1.0].loss)


def test_capacity_follows_its_schedule():
    term = TERMS.build({"name": "capacity", "c_max": 25.0, "c_steps": 100})
    assert [term.capacity(t) for t in (0, 50, 100, 1000)] == [0.0, 12.5, 25.0, 25.0]
    model, x = _model(), _x()
    recon, kl = _by_hand(model, x)
    spec = ["recon", {"name": "capacity", "weight": 10.0, "c_max": 25.0, "c_steps": 100}]
    for step in (0, 40, 200):
        out = _run(model, spec, x, step=step)
        expected = recon.mean() + 10.0 * (kl.mean() - term.capacity(step)).abs()
        torch.testing.assert_close(out.loss, expected)
        assert out.stats["capacity"].item() == term.capacity(step)
        assert out.batch_terms["capacity"].dim() == 0


@pytest.mark.parametrize("k", [1, 2, 7])
def test_iwae_is_the_log_mean_exp_of_importance_weights(k):
    """An independent computation of −log (1/k) Σ p(x, z_i) / q(z_i | x) with the same draws."""
    model, x = _model("iwae", k=k), _x()
    torch.manual_seed(3)
    out = model.step(Batch(x), StepContext())
    torch.manual_seed(3)
    q = model.encode(x)
    loc, scale = q.base_dist.loc, q.base_dist.scale
    z = loc + scale * torch.randn(k, *loc.shape)
    logits = model.decoder(z.flatten(0, 1)).view(k, len(x), 6)
    log_px = -torch.nn.functional.binary_cross_entropy_with_logits(
        logits, x.expand(k, -1, -1), reduction="none"
    ).sum(-1)
    log_pz = Normal(0.0, 1.0).log_prob(z).sum(-1)
    log_qz = Normal(loc, scale).log_prob(z).sum(-1)
    w = (log_px + log_pz - log_qz).exp()  # small model: the weights do not overflow
    bound = (w.mean(0)).log()
    torch.testing.assert_close(out.terms["iwae"], -bound)
    torch.testing.assert_close(out.loss, -bound.mean())
    if k > 1:  # not the average of the log-weights (the ELBO)
        elbo = (log_px + log_pz - log_qz).mean(0)
        assert (bound > elbo).all()


def test_iwae_bound_above_elbo_and_grows_with_k():
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
        torch.logsumexp(model.log_weights(x, k), 0).mean() - math.log(k) for _ in range(repeats)
    ]
    return torch.stack(vals).mean().item()


def test_warmup_scales_only_the_log_ratio_in_iwae():
    model, x = _model(), _x()
    torch.manual_seed(4)
    out = _run(model, [{"name": "iwae", "k": 3}], x, seed=4, kl_weight=0.0)
    # with the KL part switched off the bound is the log-mean-exp of log p(x|z) alone
    torch.manual_seed(4)
    q = model.encode(x)
    z = q.rsample((3,))
    log_px = model.log_px_given_z(x, z)
    torch.testing.assert_close(out.terms["iwae"], -(torch.logsumexp(log_px, 0) - math.log(3)))


def test_tc_term_weights_its_parts_and_at_unit_weights_estimates_the_kl():
    model, x = _model(), torch.rand(256, 6).round()
    spec = {"name": "tc", "alpha": 1.0, "beta": 1.0, "gamma": 1.0, "estimator": "mss"}
    unit = _run(model, [spec], x, seed=6, dataset_size=256)
    t = unit.terms
    torch.testing.assert_close(unit.loss, (t["mi"] + t["tc"] + t["dwkl"]).mean())
    q = model.encode(x)
    kl = torch.distributions.kl_divergence(q, model.prior_dist()).mean()
    assert unit.loss.item() == pytest.approx(kl.item(), abs=0.3)
    weighted = _run(model, [{**spec, "beta": 6.0, "gamma": 2.0}], x, seed=6, dataset_size=256)
    torch.testing.assert_close(weighted.loss, (t["mi"] + 6 * t["tc"] + 2 * t["dwkl"]).mean())


def test_batch_level_terms_are_added_to_the_loss_unaveraged():
    model, x = _model(), _x()
    recon, kl = _by_hand(model, x)
    out = _run(model, ["recon", {"name": "capacity", "weight": 2.0, "c_max": 0.0}], x)
    torch.testing.assert_close(out.loss, recon.mean() + 2.0 * kl.mean())
    assert set(out.terms) == {"recon", "kl"} and set(out.batch_terms) == {"capacity"}


def test_unknown_terms_and_options_list_the_valid_ones():
    with pytest.raises(UnknownNameError, match="choices: capacity, ciwae, dip, factor_tc, iwae"):
        build_objective(["recon", "kll"])
    with pytest.raises(ConfigError, match="valid options: k"):
        build_objective([{"name": "iwae", "samples": 5}])
    with pytest.raises(ConfigError, match="weight must be a number"):
        build_objective([{"name": "kl", "weight": "big"}])
    with pytest.raises(ConfigError, match="each term once"):
        build_objective(["recon", "recon"])


def test_terms_check_the_model_they_read():
    with pytest.raises(ConfigError, match="'kl' needs a posterior q\\(z\\|x\\) and a prior"):
        MODELS.get("ae")(latent_dim=2, objective=["recon", "kl"]).build((4,))
    with pytest.raises(ConfigError, match="'quantizer' needs a model that HasCodebook"):
        MODELS.get("vae")(latent_dim=2, objective=["recon", "quantizer"]).build((4,))


def test_a_config_objective_replaces_the_models_own():
    custom = MODELS.get("vae")(
        latent_dim=3,
        encoder={"name": "mlp", "hidden": [16]},
        decoder={"name": "mlp", "hidden": [16]},
        objective=["recon", {"name": "kl", "weight": 4.0}],
    ).build((6,))
    reference = _model("beta_vae", beta=4.0)
    custom.load_state_dict(reference.state_dict())
    x = _x()
    torch.manual_seed(1)
    a = custom.step(Batch(x), StepContext()).loss
    torch.manual_seed(1)
    b = reference.step(Batch(x), StepContext()).loss
    torch.testing.assert_close(a, b)


def test_a_hyperparameter_the_config_objective_would_ignore_is_refused():
    with pytest.raises(ConfigError, match=r"model\.beta has no effect when model\.objective"):
        MODELS.get("beta_vae")(beta=2.0, objective=["recon", "kl"]).build((6,))
    MODELS.get("beta_vae")(objective=["recon", "kl"]).build((6,))  # beta left at its default
