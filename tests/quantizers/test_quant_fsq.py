"""FSQ (Mentzer et al. 2023): exact mixed-radix bijection, grid codes, straight-through rounding."""

from __future__ import annotations

import math

import pytest
import torch

from vaekit.quantizers import FSQ
from vaekit.registry import ConfigError

f64 = torch.float64


@pytest.mark.parametrize(("levels", "size"), [([8, 5, 5, 5], 1000), ([8, 8, 8, 5, 5, 5], 64_000)])
def test_every_code_round_trips_and_lies_on_the_grid(levels: list[int], size: int) -> None:
    fsq = FSQ(levels).double()
    assert fsq.codebook_size == size and fsq.dim == len(levels)
    indices = torch.arange(size)
    codes = fsq.indices_to_codes(indices)
    assert codes.shape == (size, len(levels))
    assert torch.equal(fsq.codes_to_indices(codes), indices)
    assert len(torch.unique(codes, dim=0)) == size
    half = torch.tensor(levels, dtype=f64) // 2
    steps = codes * half
    assert torch.equal(steps, steps.round())
    assert (steps >= -half).all() and (steps <= torch.tensor(levels) - 1 - half).all()
    assert codes.min() >= -1 and codes.max() <= 1
    assert torch.equal(fsq.codebook, codes)


def test_forward_indices_match_codes_and_extremes_hit_the_corners() -> None:
    torch.manual_seed(0)
    fsq = FSQ([8, 5, 5, 5]).double().eval()
    z = 3 * torch.randn(4, 6, 6, 4, dtype=f64)
    out = fsq(z)
    assert torch.equal(fsq.codes_to_indices(out.z_q), out.indices)
    corners = fsq(torch.tensor([[-20.0] * 4, [20.0] * 4], dtype=f64)).indices
    assert corners.tolist() == [0, 999]


def test_small_and_odd_levels_reach_every_code() -> None:
    torch.manual_seed(0)
    fsq = FSQ([2, 3, 4, 7]).double()
    out = fsq(2 * torch.randn(20_000, 4, dtype=f64))
    assert out.stats["usage"].item() == 1.0


def test_rounding_is_straight_through() -> None:
    torch.manual_seed(0)
    fsq = FSQ([8, 5, 5, 5]).double()
    z = torch.randn(10, 4, dtype=f64, requires_grad=True)
    upstream = torch.randn(10, 4, dtype=f64)
    fsq(z).z_q.backward(upstream)
    z_ref = z.detach().clone().requires_grad_()
    (fsq.bound(z_ref) / fsq.half_width * upstream).sum().backward()
    assert torch.allclose(z.grad, z_ref.grad, atol=1e-15)


def test_other_dim_adds_projections() -> None:
    fsq = FSQ([8, 5, 5, 5], dim=16)
    assert fsq.dim == 16 and fsq.codebook_size == 1000
    assert fsq.indices_to_codes(torch.arange(7)).shape == (7, 16)
    assert len(list(fsq.parameters())) == 4


def test_invalid_levels() -> None:
    with pytest.raises(ConfigError):
        FSQ([8, 1])
    assert math.prod(FSQ().levels) == 1000
