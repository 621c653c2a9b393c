"""The contracts between the engine, models, objectives and data: one type per role.

* :class:`Batch` — what flows from a data source to a model: ``x``, optional labels
  ``y`` and named ``extras`` (masks, lengths, edge indices, ...).
* :class:`StepContext` — what the engine tells a step about training progress and the
  data (dataset size, global batch size, world size, rank).
* :class:`StepOut` — what a step returns: the scalar ``loss``, per-example ``terms``
  ``(B,)``, batch-level ``batch_terms`` ``()`` and detached ``stats``; their names become
  the columns of ``metrics.csv``.
* :class:`Step` and :class:`ParamGroup` — a model's update steps and its optimizers by
  name (:class:`OneStep` gives the default: one ``main`` optimizer, one step).
* :class:`PriorContext` — what a prior may see: the model it belongs to and a condition.
* :class:`DataSource` — examples served in batches (in memory, memory-mapped, streamed).
* :class:`QuantOut` — what a quantizer returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class Batch:
    """Examples ``x`` (leading dimension B), labels ``y`` ``(B,)`` or ``None``, and ``extras``.

    ``extras`` carry what a model needs besides ``x`` and ``y``, keyed by name (a
    sequence mask ``(B, T)``, lengths ``(B,)``, a graph's ``edge_index``); the data
    source that makes a batch fills them and the model that reads them names them.
    """

    x: Tensor
    y: Tensor | None = None
    extras: Mapping[str, Tensor] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.x.shape[0]

    def to(self, device: torch.device | str, non_blocking: bool = False) -> Batch:
        """The batch with every tensor on ``device``."""
        return Batch(
            self.x.to(device, non_blocking=non_blocking),
            None if self.y is None else self.y.to(device, non_blocking=non_blocking),
            {k: v.to(device, non_blocking=non_blocking) for k, v in self.extras.items()},
        )

    def with_x(self, x: Tensor) -> Batch:
        """The same batch with other examples (e.g. binarised)."""
        return replace(self, x=x)


@dataclass(frozen=True)
class StepContext:
    """What the engine tells a step about training progress and the data.

    ``kl_weight`` is the KL warm-up multiplier in [0, 1]; ``step`` counts optimizer
    steps of the run (schedules such as capacity annealing use it). ``dataset_size``
    is the number of training examples (β-TCVAE's estimators need it; 0 when unknown),
    ``batch_size`` the global batch size (over every process), ``world_size`` the
    number of processes and ``rank`` this process's index.
    """

    step: int = 0
    epoch: int = 0
    kl_weight: float = 1.0
    training: bool = True
    dataset_size: int = 0
    batch_size: int = 0
    world_size: int = 1
    rank: int = 0


@dataclass(frozen=True)
class StepOut:
    """A step's result: scalar ``loss`` and what the engine logs by name.

    ``terms`` hold per-example ``(B,)`` tensors (``recon``, ``kl``), averaged over the
    examples of an epoch; ``batch_terms`` hold scalars that only exist for a whole batch
    (``mmd``, a discriminator's ``tc``) and ``stats`` detached scalars (``capacity``,
    ``perplexity``); both are averaged over batches, weighted by batch size.
    """

    loss: Tensor
    terms: Mapping[str, Tensor] = field(default_factory=dict)
    batch_terms: Mapping[str, Tensor] = field(default_factory=dict)
    stats: Mapping[str, Tensor] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One update on a batch: ``fn(batch, ctx) -> StepOut``, then ``optimizer`` steps.

    The engine runs a model's steps in order on each batch; for each it zeroes the
    gradients of the named optimizer's parameters only, backpropagates ``loss`` and
    steps that optimizer. The first step's loss is logged as ``loss``, a later step's
    as ``<name>_loss``.
    """

    name: str
    optimizer: str
    fn: Callable[[Batch, StepContext], StepOut]


@dataclass(frozen=True)
class ParamGroup:
    """The parameters one named optimizer updates, and the model's default settings for it.

    ``defaults`` are keys of :class:`vaekit.config.OptimizerConfig` (e.g. ``{"lr": 1e-4,
    "betas": [0.5, 0.9]}``) used where the config's ``train.optimizers.<name>`` is silent.
    """

    params: Sequence[nn.Parameter]
    defaults: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Trainable(Protocol):
    """What the engine trains: named optimizers over disjoint parameters, and steps."""

    def optimizers(self) -> dict[str, ParamGroup]:
        """Optimizer name → its parameters (``main`` first)."""
        ...

    def steps(self) -> list[Step]:
        """The updates run in order on every batch."""
        ...


class OneStep:
    """The default engine contract for an ``nn.Module`` with ``step(batch, ctx)``.

    One ``main`` optimizer over every trainable parameter (settings from ``train.*``) and
    one step.
    """

    def optimizers(self) -> dict[str, ParamGroup]:
        """``{"main": every parameter with requires_grad}``."""
        params = [p for p in self.parameters() if p.requires_grad]  # type: ignore[attr-defined]
        return {"main": ParamGroup(params)}

    def steps(self) -> list[Step]:
        """``[Step("main", "main", self.step)]``."""
        return [Step("main", "main", self.step)]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PriorContext:
    """What a prior ``forward(context)`` may see.

    ``model`` is the model the prior belongs to (a VampPrior encodes its pseudo-inputs
    with the model's encoder); ``condition`` is what a conditional prior depends on
    (class labels ``(B,)``, or the latents of the groups above in a hierarchy).
    """

    model: Any = None
    condition: Tensor | None = None


@runtime_checkable
class DataSource(Protocol):
    """Examples served in batches: in memory, memory-mapped or streamed from files.

    ``y`` ``(N,)`` and ``factors`` ``(N, K)`` (or ``None``) are small and always in
    memory; ``shape`` is the per-example shape of ``x``.
    """

    y: Tensor | None
    factors: Tensor | None

    def __len__(self) -> int: ...

    @property
    def shape(self) -> tuple[int, ...]:
        """The per-example shape of ``x``."""
        ...

    def batch(self, idx: Tensor) -> Batch:
        """The examples at ``idx`` as float32, on the source's storage device."""
        ...

    def batches(
        self, order: Tensor, batch_size: int, device: torch.device | str
    ) -> Iterator[Batch]:
        """Consecutive batches of ``batch_size`` examples taken in ``order``, on ``device``."""
        ...

    def select(self, idx: Tensor) -> DataSource:
        """The examples at ``idx``, in that order (labels, factors and extras follow)."""
        ...

    def prepare(self, device: torch.device | str) -> DataSource:
        """A source ready to serve training batches on ``device`` (in memory: moved there)."""
        ...


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


def iter_batches(
    source: DataSource, batch_size: int, device: torch.device | str
) -> Iterator[Batch]:
    """Every example of ``source`` in order, in batches on ``device`` (evaluation's loop)."""
    return source.batches(torch.arange(len(source)), batch_size, device)
