"""Output dataclasses and protocols shared across families of parts.

One return type per role: a model step returns :class:`StepOut`, a quantizer
returns :class:`QuantOut`. Per-example tensors have shape ``(B,)``; their names
become the columns of ``metrics.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from torch import Tensor


@dataclass(frozen=True)
class StepContext:
    """What the engine tells an objective about training progress.

    ``kl_weight`` is the warm-up multiplier in [0, 1]; ``step`` counts optimizer
    steps since the start of training (schedules such as capacity annealing use it).
    """

    step: int = 0
    epoch: int = 0
    kl_weight: float = 1.0
    training: bool = True


@dataclass(frozen=True)
class StepOut:
    """A training or validation step: scalar ``loss`` and named per-example ``terms``.

    ``terms`` hold ``(B,)`` tensors (e.g. ``recon``, ``kl``) that the engine logs
    by name; ``stats`` hold scalars (e.g. ``capacity``, ``perplexity``).
    """

    loss: Tensor
    terms: dict[str, Tensor] = field(default_factory=dict)
    stats: dict[str, Tensor] = field(default_factory=dict)


@dataclass(frozen=True)
class QuantOut:
    """What a quantizer returns for an input ``z_e`` of shape ``(..., D)``.

    ``z_q`` has the shape of ``z_e`` (with the gradient estimator applied);
    ``indices`` has shape ``(...)`` or ``(..., S)`` for multi-stage/grouped
    quantizers; ``losses`` are per-element auxiliary losses reduced to scalars
    (e.g. ``commit``, ``codebook``, ``entropy``) already weighted; ``stats`` are
    detached scalars (e.g. ``perplexity``, ``usage``).
    """

    z_q: Tensor
    indices: Tensor
    losses: dict[str, Tensor] = field(default_factory=dict)
    stats: dict[str, Tensor] = field(default_factory=dict)


@runtime_checkable
class FactorDataset(Protocol):
    """A dataset with known generative factors (dSprites) for disentanglement metrics.

    ``factor_sizes[k]`` is the number of values factor ``k`` takes; factors are
    integer-coded ``(N, K)`` arrays with ``0 <= factors[:, k] < factor_sizes[k]``.
    """

    factor_names: tuple[str, ...]
    factor_sizes: tuple[int, ...]

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` factor vectors drawn uniformly, ``(n, K)`` int64."""
        ...

    def images_from_factors(self, factors: np.ndarray) -> np.ndarray:
        """Images for integer-coded ``factors`` ``(n, K)`` → ``(n, C, H, W)`` float32 in [0, 1]."""
        ...
