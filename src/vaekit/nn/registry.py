"""Registries of encoder and decoder networks.

An encoder factory takes ``in_shape`` (per-example shape) and returns a module with
an ``out_features`` attribute; a decoder factory takes ``latent_dim``, ``out_shape``
and ``num_params`` and returns ``(B, num_params, *out_shape)``.
"""

from typing import Protocol, runtime_checkable

from torch import nn

from vaekit.registry import Registry

ENCODERS: Registry[nn.Module] = Registry("encoder")
DECODERS: Registry[nn.Module] = Registry("decoder")


@runtime_checkable
class GridEncoder(Protocol):
    """An encoder that keeps a grid of latent vectors ``(B, *grid, latent_dim)``."""

    grid: tuple[int, ...]
    out_features: int
