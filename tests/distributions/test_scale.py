"""Softplus scales and their inverse."""

import pytest
import torch

from vaekit.distributions import raw_for_scale, softplus_scale

pytestmark = pytest.mark.usefixtures("float64")


@pytest.mark.parametrize("scale, floor", [(1.0, 1e-3), (0.05, 0.0), (3.0, 0.5)])
def test_raw_for_scale_inverts_softplus_scale(scale, floor):
    raw = torch.tensor(raw_for_scale(scale, floor))
    assert torch.allclose(softplus_scale(raw, floor), torch.tensor(scale))


def test_scales_stay_above_the_floor():
    assert (softplus_scale(torch.tensor([-1e3, 0.0, 1e3]), 0.1) > 0.1 - 1e-12).all()
    with pytest.raises(ValueError, match="scale"):
        raw_for_scale(0.1, 0.1)
