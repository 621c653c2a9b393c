"""MMD: a hand-computed case, ≈ 0 for two samples of one distribution, growing with a shift."""

import pytest
import torch

from vaekit.models import MODELS
from vaekit.objectives import build_objective
from vaekit.objectives.mmd import mmd
from vaekit.types import Batch, StepContext

pytestmark = pytest.mark.usefixtures("float64")


def test_hand_computed_case():
    x, y = torch.tensor([[0.0], [1.0]]), torch.tensor([[0.0], [2.0]])
    c = 2.0  # 2 · D · var with D = 1, var = 1
    k = lambda d2: c / (c + d2)  # noqa: E731
    # within x: d² = 1 (both orders); within y: d² = 4; across: 0, 4, 1, 1
    expected = k(1.0) + k(4.0) - 2 * (k(0.0) + k(4.0) + k(1.0) + k(1.0)) / 4
    assert mmd(x, y, "imq").item() == pytest.approx(expected)
    rbf = torch.exp(torch.tensor(-1 / c)) + torch.exp(torch.tensor(-4 / c))
    cross = (1 + torch.exp(torch.tensor(-4 / c)) + 2 * torch.exp(torch.tensor(-1 / c))) / 4
    assert mmd(x, y, "rbf").item() == pytest.approx((rbf - 2 * cross).item())


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
def test_zero_for_one_distribution_and_growing_with_a_shift(kernel):
    gen = torch.Generator().manual_seed(0)
    draws = [torch.randn(400, 4, generator=gen) for _ in range(6)]
    same = torch.stack([mmd(draws[i], draws[i + 1], kernel) for i in range(0, 6, 2)])
    assert same.abs().max() < 0.01
    values = [mmd(draws[0], draws[1] + shift, kernel).item() for shift in (0.25, 0.5, 1.0, 2.0)]
    assert values[0] > 5 * same.abs().max() and values == sorted(values)


def test_scales_sum_their_kernels():
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(30, 3, generator=gen), torch.randn(30, 3, generator=gen) + 1
    both = mmd(x, y, scales=(0.5, 2.0))
    assert both.item() == pytest.approx(
        (mmd(x, y, scales=(0.5,)) + mmd(x, y, scales=(2.0,))).item()
    )


def test_the_term_compares_codes_with_prior_draws():
    torch.manual_seed(0)
    model = MODELS.get("vae")(
        latent_dim=2, encoder={"name": "mlp", "hidden": [8]}, decoder={"name": "mlp", "hidden": [8]}
    ).build((4,))
    x = torch.rand(16, 4)
    torch.manual_seed(3)
    out = build_objective(["recon", {"name": "mmd", "weight": 10.0}])(
        model.forward_pass(Batch(x)), StepContext()
    )
    torch.manual_seed(3)
    q = model.encode(x)
    z = q.rsample()
    model.log_px_given_z(x, z)  # the pass draws nothing else before the prior draws
    prior = torch.randn(16, 2)
    torch.testing.assert_close(out.batch_terms["mmd"], mmd(z, prior))
    torch.testing.assert_close(out.loss, out.terms["recon"].mean() + 10.0 * mmd(z, prior))
    with pytest.raises(ValueError, match="at least 2 samples"):
        mmd(torch.zeros(1, 2), torch.zeros(3, 2))
