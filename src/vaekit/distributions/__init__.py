"""torch.distributions extras: a point mass, KL with an analytic-or-Monte-Carlo rule, the
mean with a Monte-Carlo fallback, and softplus scales."""

from vaekit.distributions.diagonal import DiagonalNormal
from vaekit.distributions.kl import kl_per_dim, kl_term
from vaekit.distributions.mean import mean_of
from vaekit.distributions.point_mass import PointMass
from vaekit.distributions.sampling import rsample_and_log_prob, rsample_with_log_prob
from vaekit.distributions.scale import raw_for_scale, softplus_scale
from vaekit.distributions.standard_normal import StandardNormalDist

__all__ = [
    "DiagonalNormal",
    "PointMass",
    "StandardNormalDist",
    "kl_per_dim",
    "kl_term",
    "mean_of",
    "raw_for_scale",
    "rsample_and_log_prob",
    "rsample_with_log_prob",
    "softplus_scale",
]
