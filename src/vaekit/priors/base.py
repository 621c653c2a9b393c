"""Prior registry; a prior factory takes ``latent_dim``."""

from torch import nn

from vaekit.registry import Registry

PRIORS: Registry[nn.Module] = Registry("prior")
