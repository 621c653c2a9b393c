"""torch.distributions extras: a point mass, and KL with an analytic-or-Monte-Carlo rule."""

from vaekit.distributions.kl import kl_per_dim, kl_term
from vaekit.distributions.point_mass import PointMass

__all__ = ["PointMass", "kl_per_dim", "kl_term"]
