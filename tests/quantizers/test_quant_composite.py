"""Residual and grouped VQ built from stage/head quantizer specs."""

from __future__ import annotations

import itertools

import pytest
import torch

from vaekit.quantizers import GroupedVQ, ResidualVQ
from vaekit.registry import ConfigError

f64 = torch.float64


def test_residual_error_falls_with_each_stage() -> None:
    torch.manual_seed(0)
    rvq = ResidualVQ(dim=4, codebook_size=16, stages=4, quantizer={"name": "vq", "init": "kmeans"})
    rvq = rvq.double()
    x = torch.randn(1024, 4, dtype=f64)
    rvq(x)  # k-means fits stage s on the residual left by stages < s
    rvq.eval()
    out = rvq(x)
    assert out.indices.shape == (1024, 4)
    partial = torch.zeros_like(x)
    errors = []
    for s, stage in enumerate(rvq.stages):
        partial = partial + stage.indices_to_codes(out.indices[:, s])
        errors.append((x - partial).pow(2).sum(-1).mean().item())
    assert all(a > b for a, b in itertools.pairwise(errors))
    assert torch.equal(partial, out.z_q)
    assert errors[-1] == pytest.approx(out.stats["quant_error"].item())


def test_residual_straight_through_gradient_telescopes_to_identity() -> None:
    torch.manual_seed(0)
    rvq = ResidualVQ(dim=4, codebook_size=8, stages=3).double()
    z = torch.randn(10, 4, dtype=f64, requires_grad=True)
    upstream = torch.randn(10, 4, dtype=f64)
    out = rvq(z)
    out.z_q.backward(upstream)
    assert torch.allclose(z.grad, upstream)
    assert set(out.losses) == {"commit", "codebook"}


def test_grouped_heads_quantize_their_own_slices() -> None:
    torch.manual_seed(0)
    gvq = GroupedVQ(dim=6, codebook_size=8, groups=3).double().eval()
    z = torch.randn(2, 5, 6, dtype=f64)
    out = gvq(z)
    assert out.indices.shape == (2, 5, 3)
    for g, head in enumerate(gvq.heads):
        part = z[..., 2 * g : 2 * g + 2]
        assert torch.equal(out.z_q[..., 2 * g : 2 * g + 2], head(part).z_q)
        assert torch.equal(out.indices[..., g], head(part).indices)


def test_composite_validation() -> None:
    with pytest.raises(ConfigError):
        GroupedVQ(dim=6, groups=4)
    with pytest.raises(ConfigError):
        ResidualVQ(dim=4, quantizer="grouped_vq")
    with pytest.raises(ConfigError, match="bogus"):
        ResidualVQ(dim=4, quantizer={"name": "vq", "bogus": 1})
