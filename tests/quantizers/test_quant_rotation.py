"""Rotation trick (Fifty et al. 2024): forward of plain VQ, gradient λ Rᵀ g."""

from __future__ import annotations

import torch

from vaekit.quantizers import VQ, RotationTrick

f64 = torch.float64


def plane_rotation(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The rotation matrix taking unit ``a`` to unit ``b`` in span{a, b}, fixing its complement."""
    u = a
    w = b - (b @ a) * a
    v = w / w.norm()
    cos, sin = b @ u, b @ v
    eye = torch.eye(len(a), dtype=a.dtype)
    plane = torch.outer(u, u) + torch.outer(v, v)
    return eye + (cos - 1) * plane + sin * (torch.outer(v, u) - torch.outer(u, v))


def test_rotation_gradient_matches_explicit_rotation_matrix() -> None:
    e = torch.tensor([[1.0, 2.0, -0.5]], dtype=f64, requires_grad=True)
    q = torch.tensor([[-0.3, 1.5, 2.0]], dtype=f64)
    upstream = torch.tensor([[0.7, -1.1, 0.4]], dtype=f64)
    z_q = RotationTrick()(e, q)
    assert torch.equal(z_q, q)
    z_q.backward(upstream)

    e_hat, q_hat = e[0].detach() / e[0].detach().norm(), q[0] / q[0].norm()
    rot = plane_rotation(e_hat, q_hat)
    assert torch.allclose(rot @ rot.T, torch.eye(3, dtype=f64))
    assert torch.allclose(rot @ e_hat, q_hat)
    scale = q[0].norm() / e[0].detach().norm()
    assert torch.allclose(scale * rot @ e[0].detach(), q[0])
    expected = scale * rot.T @ upstream[0]
    assert torch.allclose(e.grad[0], expected, atol=1e-12)
    assert not torch.allclose(e.grad[0], upstream[0])


def test_rotation_vq_forward_equals_plain_vq_and_gradient_is_rotated() -> None:
    torch.manual_seed(0)
    plain = VQ(dim=3, codebook_size=8).double()
    rotated = VQ(dim=3, codebook_size=8, gradient="rotation").double()
    rotated.load_state_dict(plain.state_dict())
    z = torch.randn(5, 3, dtype=f64)
    z_plain, z_rot = z.clone().requires_grad_(), z.clone().requires_grad_()
    out_plain, out_rot = plain(z_plain), rotated(z_rot)
    assert torch.equal(out_plain.z_q, out_rot.z_q)
    assert torch.equal(out_plain.indices, out_rot.indices)
    assert out_plain.losses.keys() == out_rot.losses.keys()
    for name, value in out_plain.losses.items():
        assert torch.equal(value, out_rot.losses[name])

    upstream = torch.randn(5, 3, dtype=f64)
    out_rot.z_q.backward(upstream)
    for n in range(5):
        e, q = z[n], out_plain.z_q[n].detach()
        rot = plane_rotation(e / e.norm(), q / q.norm())
        expected = q.norm() / e.norm() * rot.T @ upstream[n]
        assert torch.allclose(z_rot.grad[n], expected, atol=1e-12)


def test_rotation_handles_antipodal_code() -> None:
    e = torch.tensor([[1.0, 0.0]], dtype=f64, requires_grad=True)
    q = torch.tensor([[-2.0, 0.0]], dtype=f64)
    z_q = RotationTrick()(e, q)
    z_q.sum().backward()
    assert torch.equal(z_q, q) and torch.isfinite(e.grad).all()
