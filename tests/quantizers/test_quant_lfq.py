"""LFQ (Yu et al. 2023): sign quantisation, binary indices, entropy penalty."""

from __future__ import annotations

import pytest
import torch

from vaekit.quantizers import LFQ
from vaekit.registry import ConfigError

f64 = torch.float64


def test_sizes_and_validation() -> None:
    assert LFQ(dim=6).codebook_size == 64
    lfq = LFQ(codebook_size=1024)
    assert lfq.dim == 10 and lfq.code_dim == 10
    projected = LFQ(codebook_size=16, dim=8)
    assert projected.dim == 8 and projected.code_dim == 4
    for bad in ({"codebook_size": 1000}, {}, {"dim": 64}):
        with pytest.raises(ConfigError):
            LFQ(**bad)


def test_signs_and_binary_indices() -> None:
    lfq = LFQ(dim=3).double().eval()
    z = torch.tensor([[0.3, -2.0, 0.1], [-1.0, -1.0, -1.0], [2.0, 2.0, 2.0]], dtype=f64)
    out = lfq(z)
    assert out.indices.tolist() == [0b101, 0, 0b111]
    assert out.z_q.tolist() == [[1, -1, 1], [-1, -1, -1], [1, 1, 1]]
    assert torch.equal(lfq.indices_to_codes(torch.arange(8)), lfq.codebook)


def test_straight_through_and_weighted_losses() -> None:
    torch.manual_seed(0)
    lfq = LFQ(dim=4, beta=0.5, entropy_weight=0.2).double()
    z = torch.randn(32, 4, dtype=f64, requires_grad=True)
    out = lfq(z)
    assert out.losses["commit"].item() == pytest.approx(
        0.5 * (z - out.z_q).pow(2).mean().item(), rel=1e-12
    )
    assert out.losses["entropy"].item() == pytest.approx(
        0.2 * lfq.entropy_penalty(z).item(), rel=1e-12
    )
    upstream = torch.randn(32, 4, dtype=f64)
    out.z_q.backward(upstream)
    assert torch.equal(z.grad, upstream)


def test_per_sample_entropy_factorises_over_bits() -> None:
    """softmax_c(2 z·c/τ) over {−1, 1}^d is a product of Bernoulli(σ(4 z_i/τ))."""
    torch.manual_seed(0)
    lfq = LFQ(dim=5, diversity=0.0, temperature=0.7).double()
    z = torch.randn(64, 5, dtype=f64)
    p = torch.sigmoid(4 * z / 0.7)
    bernoulli_entropy = -(torch.special.xlogy(p, p) + torch.special.xlogy(1 - p, 1 - p))
    expected = bernoulli_entropy.sum(-1).mean()
    assert lfq.entropy_penalty(z).item() == pytest.approx(expected.item(), rel=1e-10)


def test_uniform_usage_is_penalised_less_than_collapse() -> None:
    lfq = LFQ(dim=4).double()
    uniform = lfq.codebook.clone()  # every code once, far from the decision boundaries
    collapsed = uniform[:1].expand(16, 4)
    low, high = lfq.entropy_penalty(uniform), lfq.entropy_penalty(collapsed)
    assert low < high
    assert low.item() == pytest.approx(-torch.log(torch.tensor(16.0)).item(), abs=1e-6)
    assert high.item() == pytest.approx(0.0, abs=1e-6)
