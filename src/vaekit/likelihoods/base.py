"""The likelihood contract.

A likelihood reads decoder outputs ``params`` of shape ``(*lead, P, *shape)`` (``P`` =
:attr:`Likelihood.num_params`) and data ``x`` broadcastable to ``(*lead, *shape)``: with
``K`` posterior samples per input, params ``(K, B, P, *shape)`` meet data ``(B, *shape)``
without copying the data K times.
"""

from __future__ import annotations

from torch import Tensor, nn

from vaekit.registry import Registry


class Likelihood(nn.Module):
    """Base class: ``log_prob`` per example, ``mean`` and ``sample`` in data space.

    ``event_ndim`` is the number of trailing data dimensions (``len(shape)``); the model
    builder sets it. Left ``None``, params are taken to be ``(B, P, *shape)``.
    """

    num_params: int = 1
    event_ndim: int | None = None

    def _ndim(self, params: Tensor) -> int:
        return params.dim() - 2 if self.event_ndim is None else self.event_ndim

    def param(self, params: Tensor, i: int) -> Tensor:
        """The ``i``-th parameter map: ``(*lead, *shape)``.

        With one parameter this is a view whose backward is free (``select`` would
        scatter its gradient into a zero tensor of the params' size).
        """
        dim = -self._ndim(params) - 1
        return params.squeeze(dim) if params.shape[dim] == 1 else params.select(dim, i)

    def reduce(self, log_p: Tensor, params: Tensor) -> Tensor:
        """Sum elementwise log-densities over the data dimensions: ``(*lead,)``."""
        return log_p.flatten(-self._ndim(params)).sum(-1)

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
