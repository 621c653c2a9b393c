"""FactorVAE's total-correlation term: the permutation, the density-ratio value, the
discriminator's own optimizer and step."""

import pytest
import torch
from torch import nn

from vaekit.models import MODELS
from vaekit.objectives import TERMS, build_objective
from vaekit.objectives.factor import permute_dims
from vaekit.types import Batch, StepContext

SHAPE = (1, 8, 8)


def test_permute_dims_keeps_each_marginal_and_breaks_the_dependence():
    torch.manual_seed(0)
    first = torch.randn(4000)
    z = torch.stack([first, first, -first, torch.rand(4000)], dim=1)  # three dependent columns
    mixed = permute_dims(z)
    assert torch.equal(mixed.sort(0).values, z.sort(0).values)  # every marginal unchanged
    assert torch.corrcoef(z.T)[0, 1] == pytest.approx(1.0)
    corr = torch.corrcoef(mixed.T)
    off_diagonal = corr[~torch.eye(4, dtype=torch.bool)]
    assert off_diagonal.abs().max() < 0.06  # 4000 rows: standard error 0.016


def test_the_term_is_the_discriminators_logit_and_its_defaults_are_the_papers():
    term = TERMS.build("factor_tc", latent_dim=3)
    linears = [m for m in term.disc if isinstance(m, nn.Linear)]
    assert [m.out_features for m in linears] == [1000] * 6 + [1]
    assert all(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2 for m in term.disc[1:-1:2])
    group = term.optimizers()["discriminator"]
    assert group.defaults == {"lr": 1e-4, "betas": [0.5, 0.9]}
    assert {id(p) for p in group.params} == {id(p) for p in term.disc.parameters()}
    z = torch.randn(5, 3)
    p = type("Pass", (), {"z": z})()
    assert torch.equal(term(p, StepContext(), None), term.disc(z).squeeze(-1))


def _model():
    torch.manual_seed(0)
    cfg = MODELS.get("factor_vae")(
        latent_dim=3,
        encoder={"name": "mlp", "hidden": [16]},
        decoder={"name": "mlp", "hidden": [16]},
    )
    cfg.disc_hidden = [16, 16]
    return cfg.build(SHAPE)


def _snapshot(params):
    return [p.detach().clone() for p in params]


def _moved(before, params):
    return [not torch.equal(b, p) for b, p in zip(before, params, strict=True)]


def test_each_optimizer_moves_only_its_own_parameters():
    """As the engine runs them: the main step's loss reaches the discriminator too (through
    the TC term), yet only the discriminator's optimizer moves it."""
    model = _model()
    groups = model.optimizers()
    disc = list(groups["discriminator"].params)
    main = list(groups["main"].params)
    assert {id(p) for p in disc} == {id(p) for n, p in model.named_parameters() if ".disc." in n}
    assert not {id(p) for p in disc} & {id(p) for p in main}
    assert len(disc) + len(main) == len(list(model.parameters()))
    opts = {k: torch.optim.Adam(g.params, **g.defaults) for k, g in groups.items()}
    batch = Batch(torch.rand(16, *SHAPE).round())
    for step in model.steps():
        before_main, before_disc = _snapshot(main), _snapshot(disc)
        out = step.fn(batch, StepContext(dataset_size=16, batch_size=16))
        opts[step.optimizer].zero_grad(set_to_none=True)
        out.loss.backward()
        opts[step.optimizer].step()
        if step.optimizer == "main":
            assert any(p.grad is not None for p in disc)  # the TC term did reach it
            assert not any(_moved(before_disc, disc)) and all(_moved(before_main, main))
        else:
            assert step.optimizer == "discriminator"
            assert all(_moved(before_disc, disc)) and not any(_moved(before_main, main))
            assert 0.0 <= out.batch_terms["disc_accuracy"].item() <= 1.0


def test_hidden_must_be_widths():
    with pytest.raises(Exception, match="hidden must be one or more layer widths"):
        build_objective(["recon", {"name": "factor_tc", "hidden": []}], latent_dim=3)
