"""Known answers for plain VQ: nearest code, straight-through gradient, losses, stats."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from vaekit.quantizers import QUANTIZERS, VQ, code_stats
from vaekit.registry import ConfigError, UnknownNameError

f64 = torch.float64


def brute_force_nearest(x: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    return (x[:, None, :] - codes[None, :, :]).pow(2).sum(-1).argmin(-1)


def test_vq_output_is_the_nearest_code() -> None:
    torch.manual_seed(0)
    q = VQ(dim=4, codebook_size=32).double().eval()
    z = torch.randn(3, 50, 4, dtype=f64)
    out = q(z)
    expected = brute_force_nearest(z.reshape(-1, 4), q.codebook).reshape(3, 50)
    assert torch.equal(out.indices, expected)
    assert torch.equal(out.z_q, q.codebook[expected])


def test_straight_through_gradient_is_the_identity() -> None:
    torch.manual_seed(0)
    q = VQ(dim=4, codebook_size=16).double()
    z = torch.randn(10, 4, dtype=f64, requires_grad=True)
    upstream = torch.randn(10, 4, dtype=f64)
    q(z).z_q.backward(upstream)
    assert torch.equal(z.grad, upstream)


def test_vq_losses_known_answer() -> None:
    torch.manual_seed(0)
    q = VQ(dim=3, codebook_size=8, beta=0.3).double()
    z = torch.randn(20, 3, dtype=f64)
    out = q(z)
    sq = (z - out.z_q.detach()).pow(2).mean()
    assert out.losses["commit"].item() == pytest.approx(0.3 * sq.item(), rel=1e-12)
    assert out.losses["codebook"].item() == pytest.approx(sq.item(), rel=1e-12)


def test_code_stats_known_answer() -> None:
    z_e = torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 3.0]], dtype=f64)
    z_q = torch.zeros_like(z_e)
    stats = code_stats(z_e, z_q, torch.tensor([0, 0, 1, 1]), codebook_size=4)
    assert stats["perplexity"].item() == pytest.approx(2.0)
    assert stats["perplexity_norm"].item() == pytest.approx(0.5)
    assert stats["code_entropy_bits"].item() == pytest.approx(1.0)
    assert stats["usage"].item() == pytest.approx(0.5)
    assert stats["quant_error"].item() == pytest.approx((0 + 1 + 4 + 9) / 4)


def test_cosine_codebook_searches_by_angle_and_returns_unit_codes() -> None:
    torch.manual_seed(0)
    q = VQ(dim=4, codebook_size=16, cosine=True).double().eval()
    z = 5 * torch.randn(40, 4, dtype=f64)
    out = q(z)
    similarity = F.normalize(z, dim=-1) @ F.normalize(q.codebook, dim=-1).T
    assert torch.equal(out.indices, similarity.argmax(-1))
    assert torch.allclose(out.z_q.norm(dim=-1), torch.ones(40, dtype=f64))


def test_low_dimensional_code_space_uses_projections() -> None:
    torch.manual_seed(0)
    q = VQ(dim=8, codebook_size=16, code_dim=3).double().eval()
    assert q.codebook.shape == (16, 3)
    z = torch.randn(30, 8, dtype=f64)
    out = q(z)
    assert torch.equal(out.indices, brute_force_nearest(q.project_in(z), q.codebook))
    assert torch.equal(out.z_q, q.project_out(q.codebook[out.indices]))


def test_strategy_specs_are_validated() -> None:
    with pytest.raises(ConfigError, match="bogus"):
        QUANTIZERS.build({"name": "vq", "update": {"name": "ema", "bogus": 1}}, dim=4)
    with pytest.raises(UnknownNameError, match="rotation"):
        QUANTIZERS.build({"name": "vq", "gradient": "nope"}, dim=4)
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        VQ(dim=4)(torch.randn(2, 5))
