"""The likelihood contract.

A likelihood reads decoder outputs ``params`` of shape ``(B, P, *shape)`` (``P`` =
:attr:`Likelihood.num_params`) and data ``x`` of shape ``(B, *shape)``.
"""

from __future__ import annotations

from torch import Tensor, nn

from vaekit.registry import Registry


class Likelihood(nn.Module):
    """Base class: ``log_prob`` per example, ``mean`` and ``sample`` in data space."""

    num_params: int = 1

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        """log p(x | z) summed over data dimensions: ``(B,)``."""
        raise NotImplementedError

    def mean(self, params: Tensor) -> Tensor:
        """E[x | z]: ``(B, *shape)``, used for reconstructions and sample grids."""
        raise NotImplementedError

    def sample(self, params: Tensor) -> Tensor:
        """One draw x ~ p(x | z): ``(B, *shape)``."""
        raise NotImplementedError


LIKELIHOODS: Registry[Likelihood] = Registry("likelihood")
