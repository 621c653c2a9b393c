"""Posterior registry. A posterior factory takes ``features`` (input width) and ``latent_dim``
and returns a module whose ``forward(h)`` gives a Distribution with event shape ``(latent_dim,)``
that supports ``rsample`` and ``log_prob``."""

from torch import nn

from vaekit.registry import Registry

POSTERIORS: Registry[nn.Module] = Registry("posterior")
