"""SimVQ (Zhu et al. 2024): frozen basis, learned linear map."""

from __future__ import annotations

import torch

from vaekit.quantizers import SimVQ

f64 = torch.float64


def test_basis_is_frozen_and_linear_layer_learns() -> None:
    torch.manual_seed(0)
    q = SimVQ(dim=4, codebook_size=16).double()
    assert "basis" in dict(q.named_buffers()) and "basis" not in dict(q.named_parameters())
    assert [name for name, _ in q.named_parameters()] == ["linear.weight"]
    assert torch.allclose(q.codebook, q.basis @ q.linear.weight.T)
    basis = q.basis.clone()
    opt = torch.optim.SGD(q.parameters(), lr=0.1)
    for _ in range(3):
        z = torch.randn(32, 4, dtype=f64, requires_grad=True)
        out = q(z)
        opt.zero_grad()
        sum(out.losses.values()).backward()
        assert not q.basis.requires_grad and q.basis.grad is None
        assert q.linear.weight.grad is not None and q.linear.weight.grad.abs().sum() > 0
        opt.step()
    assert torch.equal(q.basis, basis)


def test_simvq_output_is_the_nearest_code() -> None:
    torch.manual_seed(0)
    q = SimVQ(dim=3, codebook_size=10).double().eval()
    z = torch.randn(40, 3, dtype=f64)
    out = q(z)
    codes = q.codebook
    expected = (z[:, None] - codes[None]).pow(2).sum(-1).argmin(-1)
    assert torch.equal(out.indices, expected) and torch.equal(out.z_q, codes[expected])


def test_codes_are_a_frozen_gaussian_basis_times_one_linear_map() -> None:
    """Zhu et al. 2024: ``q = C W`` with ``C ~ N(0, 1/D)`` frozen; ``W`` the only parameter."""
    torch.manual_seed(0)
    q = SimVQ(dim=8, codebook_size=4096)
    assert [name for name, _ in q.named_parameters()] == ["linear.weight"]
    assert torch.equal(q.codebook, q.basis @ q.linear.weight.T)
    assert q.basis.mean().abs() < 0.01 and abs(q.basis.var().item() * 8 - 1) < 0.05
