"""``mean_of``: the analytic mean as is, else the average of draws."""

import math

import pytest
import torch
from torch.distributions import (
    Categorical,
    Distribution,
    ExpTransform,
    Independent,
    MixtureSameFamily,
    Normal,
    TransformedDistribution,
    constraints,
)

from vaekit.distributions import PointMass, mean_of

pytestmark = pytest.mark.usefixtures("float64")


class ShiftedNoise(Distribution):
    """z = loc + ε, ε ~ N(0, I), with no ``mean`` (it raises NotImplementedError)."""

    arg_constraints = {}  # noqa: RUF012 - torch's class attribute
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc):
        self.loc = loc
        super().__init__(loc.shape[:-1], loc.shape[-1:], validate_args=False)

    def rsample(self, sample_shape=()):
        return self.loc + torch.randn(torch.Size(sample_shape) + self.loc.shape)


@pytest.mark.parametrize(
    "make",
    [
        lambda loc: Independent(Normal(loc, torch.ones_like(loc)), 1),
        lambda loc: PointMass(loc),
        lambda loc: MixtureSameFamily(
            Categorical(torch.ones(2)), Independent(Normal(torch.stack([loc, -loc], -2), 1.0), 1)
        ),
    ],
    ids=["gaussian", "point_mass", "mixture"],
)
def test_analytic_mean_is_returned_as_is(make):
    """The family's own mean, and no draws (the random state is untouched)."""
    d = make(torch.randn(3, 2))
    state = torch.get_rng_state()
    assert torch.equal(mean_of(d), d.mean)
    assert torch.equal(torch.get_rng_state(), state)


def test_without_a_mean_it_is_the_average_of_draws():
    loc = torch.randn(3, 2, requires_grad=True)
    d = ShiftedNoise(loc)
    torch.manual_seed(0)
    expected = d.sample((10,)).mean(0)
    torch.manual_seed(0)
    got = mean_of(d, num_samples=10)
    assert got.shape == (3, 2) and torch.allclose(got, expected)
    got.sum().backward()  # drawn with rsample: the gradient reaches loc
    assert torch.allclose(loc.grad, torch.ones(3, 2))
    with pytest.raises(ValueError, match="num_samples"):
        mean_of(d, num_samples=0)


def test_a_flow_without_a_mean_gets_a_monte_carlo_estimate():
    """exp(N(0, 1)) is log-normal with mean e^{1/2}; within 5 standard errors of 100k draws."""
    torch.manual_seed(1)
    d = TransformedDistribution(Normal(torch.zeros(1), torch.ones(1)), ExpTransform())
    se = math.sqrt((math.e - 1) * math.e / 100_000)
    assert abs(mean_of(d, num_samples=100_000).item() - math.exp(0.5)) < 5 * se
