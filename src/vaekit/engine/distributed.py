"""Data-parallel training under ``torchrun``: the process group, each rank's shard of the
data order, and the DDP-wrapped steps.

vaekit never launches processes itself. ``torchrun --nproc-per-node N -m vaekit train ...``
starts N copies of the command with ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR`` and ``MASTER_PORT`` set; :func:`process_group` joins them (NCCL on GPUs,
gloo on CPU) with a timeout, so a rank that dies or hangs ends every rank with
:class:`DistributedError` instead of a hang.
"""

from __future__ import annotations

import datetime
import inspect
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TypeVar

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from vaekit.registry import ConfigError, VaekitError
from vaekit.types import Batch, StepContext, StepOut

StepFn = Callable[[Batch, StepContext], StepOut]
T = TypeVar("T")


class DistributedError(VaekitError):
    """A collective failed: another rank died, hung past the timeout, or could not join."""


@dataclass(frozen=True)
class World:
    """This process's place among the processes training together."""

    size: int = 1
    rank: int = 0
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Whether this process writes (rank 0)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """Whether more than one process trains."""
        return self.size > 1


SINGLE = World()


def launched() -> World:
    """The world ``torchrun`` describes in the environment (:data:`SINGLE` without it)."""
    try:
        size = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError:
        raise ConfigError(
            "WORLD_SIZE, RANK and LOCAL_RANK must be integers (set by torchrun)"
        ) from None
    return World(size, rank, local) if size > 1 else SINGLE


def rank_device(world: World, device: torch.device) -> torch.device:
    """One GPU per process on a node (``cuda:LOCAL_RANK``); CPU (or a named device) as is."""
    if world.distributed and device.type == "cuda" and device.index is None:
        return torch.device("cuda", world.local_rank)
    return device


@contextmanager
def process_group(device: torch.device, timeout_s: float) -> Iterator[World]:
    """Join the process group ``torchrun`` set up, for the duration of the block.

    A single process (no ``WORLD_SIZE`` > 1) gets :data:`SINGLE` and no group. A group
    that already exists (started by the caller) is used and left alone.
    """
    world = launched()
    if not world.distributed or dist.is_initialized():
        yield world
        return
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(world.local_rank)
    try:
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))
    except (RuntimeError, ValueError) as e:
        raise DistributedError(
            f"rank {world.rank}: could not join the {world.size}-process group ({backend}): "
            f"{str(e).splitlines()[0]}"
        ) from None
    try:
        yield world
    finally:
        dist.destroy_process_group()


def shard(order: Tensor, world: World) -> Tensor:
    """This rank's examples of the epoch's ``order``: every ``size``-th one from ``rank``.

    The order is first cut to a multiple of the world size (at most ``size - 1``
    examples, different ones each epoch, sit out), so every rank takes the same number
    of steps. With global batch ``B = b · size``, global batch ``i`` of ``order`` is
    exactly the union of the ranks' local batches ``i`` of size ``b``.
    """
    if not world.distributed:
        return order
    return order[: len(order) - len(order) % world.size][world.rank :: world.size]


def check_shardable(examples: int, world: World) -> None:
    """Refuse a training split with fewer examples than processes: a rank would get none."""
    if examples < world.size:
        raise ConfigError(
            f"the training split has {examples} examples, fewer than the {world.size} "
            "processes: each needs at least one"
        )


def local_batch_size(batch_size: int, world: World) -> int:
    """The per-rank batch size of the global ``batch_size``; it must divide evenly."""
    if batch_size % world.size:
        raise ConfigError(
            f"train.batch_size={batch_size} is the global batch and must be divisible by the "
            f"{world.size} processes"
        )
    return batch_size // world.size


# torch >= 2.13 names it forward_sync_buffers and deprecates broadcast_buffers
_NO_BUFFER_SYNC = (
    {"forward_sync_buffers": False}
    if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters
    else {"broadcast_buffers": False}
)


class _Steps(nn.Module):
    """The model's steps as one module, so that DDP's forward runs a step (and so
    averages its gradients): ``forward(i, batch, ctx)`` runs step ``i``."""

    def __init__(self, model: nn.Module, fns: Sequence[StepFn]) -> None:
        super().__init__()
        self.model = model
        self.fns = list(fns)

    def forward(self, i: int, batch: Batch, ctx: StepContext) -> tuple[Tensor, StepOut]:
        out = self.fns[i](batch, ctx)
        return out.loss, out


def ddp_steps(model: nn.Module, fns: Sequence[StepFn]) -> list[StepFn]:
    """``fns`` run through one :class:`DistributedDataParallel` around ``model``.

    Buffers are not synchronised from rank 0 in ``forward`` (``forward_sync_buffers=False``):
    parts that update buffers in ``forward`` reduce them across ranks themselves
    (:mod:`vaekit.parallel`). With several steps (a discriminator's) each trains a subset
    of the parameters, so DDP looks for unused ones (``find_unused_parameters``); a
    single step must use every trainable parameter, as DDP's own error then says.
    """
    wrapped = DistributedDataParallel(
        _Steps(model, fns),
        device_ids=None,  # batches are already on this rank's device
        find_unused_parameters=len(fns) > 1,
        **_NO_BUFFER_SYNC,
    )

    def run(i: int) -> StepFn:
        def step(batch: Batch, ctx: StepContext) -> StepOut:
            loss, out = wrapped(i, batch, ctx)
            return replace(out, loss=loss)

        return step

    return [run(i) for i in range(len(fns))]


def sum_tensor(t: Tensor) -> Tensor:
    """``t`` summed over ranks, for logged totals (a collective: every rank calls it)."""
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def gather_objects(obj: object, world: World) -> list[object]:
    """Every rank's ``obj`` in rank order (``[obj]`` in a single process)."""
    if not world.distributed:
        return [obj]
    out: list[object] = [None] * world.size
    dist.all_gather_object(out, obj)
    return out


def barrier(world: World) -> None:
    """Wait for every rank (nothing in a single process)."""
    if world.distributed:
        dist.barrier()


def on_main(world: World, fn: Callable[[], T]) -> T | None:
    """``fn()`` on rank 0 only (the writes); if it fails, every rank raises, so that no
    rank trains on while rank 0 has stopped. Other ranks return ``None``."""
    if not world.distributed:
        return fn()
    result, error = None, None
    if world.main:
        try:
            result = fn()
        except VaekitError as e:
            error = e
    message = [None if error is None else str(error)]
    dist.broadcast_object_list(message, src=0)
    if error is not None:
        raise error
    if message[0] is not None:
        raise VaekitError(f"rank 0 stopped: {message[0]}")
    return result
