"""Fully connected encoders and decoders for any input shape (inputs are flattened)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from torch import Tensor, nn

from vaekit.nn.registry import DECODERS, ENCODERS


def mlp(sizes: Sequence[int], activate_last: bool) -> nn.Sequential:
    """Linear layers between consecutive ``sizes`` with SiLU activations."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if activate_last or i < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


@ENCODERS.register("mlp")
class MLPEncoder(nn.Module):
    """Flatten, then a SiLU MLP: ``(B, *in_shape)`` → ``(B, hidden[-1])``."""

    def __init__(self, in_shape: Sequence[int], hidden: Sequence[int] = (512, 256)) -> None:
        super().__init__()
        if not hidden:
            raise ValueError("mlp encoder needs at least one hidden size")
        self.out_features = hidden[-1]
        self.net = mlp([math.prod(in_shape), *hidden], activate_last=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.flatten(1))


@ENCODERS.register("linear")
class LinearEncoder(nn.Module):
    """Flatten only: the posterior head on top makes the encoder linear in x."""

    def __init__(self, in_shape: Sequence[int]) -> None:
        super().__init__()
        self.out_features = math.prod(in_shape)

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(1)


class _FlatDecoder(nn.Module):
    """Shared head: a network producing ``num_params * prod(out_shape)`` numbers, reshaped."""

    def __init__(self, net: nn.Module, out_shape: Sequence[int], num_params: int) -> None:
        super().__init__()
        self.net = net
        self.shape = (num_params, *out_shape)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(z.shape[0], *self.shape)


@DECODERS.register("mlp")
class MLPDecoder(_FlatDecoder):
    """A SiLU MLP from the latent to likelihood parameters: ``(B, L)`` → ``(B, P, *out_shape)``."""

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        num_params: int = 1,
        hidden: Sequence[int] = (256, 512),
    ) -> None:
        sizes = [latent_dim, *hidden, num_params * math.prod(out_shape)]
        super().__init__(mlp(sizes, activate_last=False), out_shape, num_params)


@DECODERS.register("linear")
class LinearDecoder(_FlatDecoder):
    """One affine map ``W z + b`` (probabilistic PCA with a Gaussian likelihood)."""

    def __init__(self, latent_dim: int, out_shape: Sequence[int], num_params: int = 1) -> None:
        super().__init__(
            nn.Linear(latent_dim, num_params * math.prod(out_shape)), out_shape, num_params
        )

    @property
    def linear(self) -> nn.Linear:
        """The affine layer (weights ``(P*D, L)``)."""
        return self.net  # type: ignore[return-value]
