"""The one training loop. It never names a model: it builds the optimizers the model
declares, runs the model's steps on every batch and logs whatever terms come back.

Checkpoints at every epoch end hold everything needed to continue bit for bit:
weights, every optimizer's state by name, RNG states (every rank's), data order,
early-stopping state and the metric history. After the last epoch the loop writes the
final weights, the run's first stage (:data:`vaekit.rundir.STAGES`).

Under ``torchrun`` (a :class:`~vaekit.engine.distributed.World` of several ranks) each
rank trains on its shard of the epoch's order through DistributedDataParallel, logged
totals are summed over ranks, and only rank 0 writes.
"""

from __future__ import annotations

import gc
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from vaekit.config import TrainConfig
from vaekit.engine import distributed
from vaekit.engine.distributed import SINGLE, World
from vaekit.engine.optim import SCHEDULES, lr_at, make_optimizer
from vaekit.engine.progress import EpochProgress
from vaekit.engine.rng import rng_state, seed_everything, set_rng_state
from vaekit.engine.running import RunningMeans
from vaekit.engine.tracking import Tracker
from vaekit.faults import fault_point
from vaekit.registry import ConfigError, VaekitError
from vaekit.rundir import RunDir, RunDirError
from vaekit.types import Batch, DataSource, StepContext, StepOut, Trainable


class TrainingDiverged(VaekitError):
    """The loss became NaN or infinite; the last good checkpoint is left untouched."""


@dataclass
class TrainState:
    """Counters and history that a checkpoint carries besides weights and optimizers."""

    epoch: int = 0
    step: int = 0
    best_val: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    stopped_early: bool = False


@dataclass
class _Update:
    """One step of the model with its optimizer, resolved once before training."""

    name: str
    loss_key: str
    fn: Callable[[Batch, StepContext], StepOut]
    opt: torch.optim.Optimizer
    params: list[nn.Parameter]
    clip: float | None


class Trainer:
    """Trains ``model`` on ``data.train`` (validating on ``data.val``) into ``run_dir``.

    ``model`` is an ``nn.Module`` with the :class:`~vaekit.types.Trainable` contract;
    ``cfg`` must hold settings for each optimizer it declares besides ``main``
    (:func:`~vaekit.engine.optim.resolve_optimizers`). ``on_step`` is called after every
    batch with the step count (tests use it to interrupt a run at an exact moment).
    ``world`` is this process's place in a distributed run (rank 0 alone writes);
    ``trackers`` receive every epoch's row of metrics.
    """

    def __init__(
        self,
        model: nn.Module,
        data: Any,
        cfg: TrainConfig,
        run_dir: RunDir,
        seed: int,
        device: torch.device,
        progress: bool = True,
        on_step: Callable[[int], None] | None = None,
        world: World = SINGLE,
        trackers: Sequence[Tracker] = (),
    ) -> None:
        if not isinstance(model, Trainable):
            raise VaekitError(f"{type(model).__name__} has no optimizers() and steps() to train")
        self.model, self.cfg, self.run_dir, self.device = model, cfg, run_dir, device
        self.world = world
        self.local_batch = distributed.local_batch_size(cfg.batch_size, world)
        self.train_set: DataSource = data.train.prepare(device)
        distributed.check_shardable(len(self.train_set), world)
        self.val_set: DataSource = data.val
        self.schedules: dict[str, tuple[Callable[[int, int], float], float, int]] = {}
        self.opts: dict[str, torch.optim.Optimizer] = {}
        self.updates = self._plan(model)
        self.eval_fns = [u.fn for u in self.updates]
        if world.distributed:  # gradients averaged through DDP's forward
            for u, fn in zip(
                self.updates, distributed.ddp_steps(model, self.eval_fns), strict=True
            ):
                u.fn = fn
        self.state = TrainState()
        self.seed = seed
        self.order = torch.Generator().manual_seed(seed)
        per_rank = len(self.train_set) // world.size
        self.steps_per_epoch = math.ceil(per_rank / self.local_batch)
        self.progress, self.on_step = progress, on_step
        self.trackers = trackers
        self._best: dict[str, Tensor] | None = None
        self._lrs: dict[str, float] = {}

    def _plan(self, model: nn.Module) -> list[_Update]:
        """Build every declared optimizer and pair each step with its optimizer."""
        groups = model.optimizers()  # type: ignore[attr-defined]
        owner: dict[int, str] = {}
        for name, group in groups.items():
            for p in group.params:
                if id(p) in owner:
                    raise VaekitError(
                        f"a parameter is in both optimizers {owner[id(p)]!r} and {name!r}"
                    )
                owner[id(p)] = name
            settings = self.cfg.optimizer_settings(name)
            self.opts[name] = make_optimizer(settings, group.params)
            self.schedules[name] = (
                SCHEDULES.get(settings.schedule),
                settings.lr,
                settings.warmup_steps,
            )
        orphans = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in owner]
        if orphans:
            raise VaekitError(
                f"parameters in no optimizer would never train: {', '.join(orphans[:5])}"
                f"{' ...' if len(orphans) > 5 else ''}"
            )
        updates = []
        for i, step in enumerate(model.steps()):  # type: ignore[attr-defined]
            if step.optimizer not in self.opts:
                raise ConfigError(
                    f"step {step.name!r} names optimizer {step.optimizer!r}; the model "
                    f"declares {', '.join(self.opts)}"
                )
            settings = self.cfg.optimizer_settings(step.optimizer)
            updates.append(
                _Update(
                    step.name,
                    "loss" if i == 0 else f"{step.name}_loss",
                    self._speed(step.fn),
                    self.opts[step.optimizer],
                    list(groups[step.optimizer].params),
                    settings.grad_clip,
                )
            )
        return updates

    def release(self) -> None:
        """Drop the DistributedDataParallel wrappers; call it before the process group is
        destroyed. A wrapper freed after its group (when the trainer goes out of scope)
        tears the group down while holding the GIL, and gloo's worker thread, which needs
        the GIL to free the tensors of its last work, then never ends: the rank hangs."""
        if self.world.distributed:
            for u, fn in zip(self.updates, self.eval_fns, strict=True):
                u.fn = fn
            gc.collect()

    def _speed(self, fn: Callable[[Batch, StepContext], StepOut]) -> Callable[..., StepOut]:
        """``fn`` compiled (``train.compile``) and under bf16 autocast (``train.precision``);
        ``fn`` itself when both are off, so the default path gains no call."""
        if self.cfg.compile:
            fn = torch.compile(fn)
        if self.cfg.precision == "bf16":
            return _autocast(fn, self.device.type)
        return fn

    # -- checkpoint ------------------------------------------------------------------------
    def save_checkpoint(self, best: dict[str, Tensor] | None) -> None:
        """Atomically write everything needed to continue exactly (rank 0 writes; every
        rank's RNG state goes in, gathered from the others)."""
        states = distributed.gather_objects(rng_state(), self.world)
        if not self.world.main:
            return
        self.run_dir.write_checkpoint(
            {
                "model": self.model.state_dict(),
                "optimizers": {name: opt.state_dict() for name, opt in self.opts.items()},
                "rng": states[0],
                "rank_rng": states,
                "data_order": self.order.get_state(),
                "state": asdict(self.state),
                # the best weights are stored only when they differ from the current ones
                "best_model": None if self.state.best_epoch == self.state.epoch else best,
            }
        )

    def load_checkpoint(self) -> dict[str, Tensor]:
        """Restore from the run directory's checkpoint; returns the best weights so far.

        Loaded on the CPU with ``weights_only=True``: RNG states stay CPU tensors, and
        ``load_state_dict`` moves weights and optimizer state to the model's device.
        """
        ckpt = self.run_dir.read_checkpoint()
        try:
            self.model.load_state_dict(ckpt["model"])
            if set(ckpt["optimizers"]) != set(self.opts):
                raise ValueError(
                    f"it holds optimizers {sorted(ckpt['optimizers'])}, the model declares "
                    f"{sorted(self.opts)}"
                )
            for name, opt in self.opts.items():
                opt.load_state_dict(ckpt["optimizers"][name])
            self.order.set_state(ckpt["data_order"])
            self.state = TrainState(**ckpt["state"])
            self._restore_rng(ckpt.get("rank_rng") or [ckpt["rng"]])
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise RunDirError(
                f"{self.run_dir / RunDir.CHECKPOINT} does not fit this run: {first}"
            ) from None
        best = ckpt["best_model"]
        return best if best is not None else _copy(self.model.state_dict())

    def _restore_rng(self, states: list[dict[str, Any]]) -> None:
        """This rank's saved RNG state; a run resumed with another number of processes
        continues with a note (its data order and random draws differ from then on)."""
        if len(states) == self.world.size:
            set_rng_state(states[self.world.rank])
            return
        if self.world.main:
            warnings.warn(
                f"resuming with {self.world.size} process(es) a run checkpointed with "
                f"{len(states)}: the data order and random draws change from here on, so "
                "the result will differ from an uninterrupted run",
                stacklevel=2,
            )
        if self.world.rank < len(states):
            set_rng_state(states[self.world.rank])
        else:
            seed_everything(self.seed + self.world.rank)

    # -- loop --------------------------------------------------------------------------------
    def kl_weight(self, step: int) -> float:
        """Linear KL warm-up over ``kl_warmup_epochs`` (1 when off)."""
        warm = self.cfg.kl_warmup_epochs * self.steps_per_epoch
        return 1.0 if warm <= 0 else min(1.0, step / warm)

    @property
    def finished(self) -> bool:
        """Whether no epoch is left: ``cfg.epochs`` reached, or stopped early."""
        return self.state.epoch >= self.cfg.epochs or self.state.stopped_early

    def restore(self) -> None:
        """Load the run directory's checkpoint to continue from it (:meth:`fit` then trains
        what is left, if anything, and writes the final weights)."""
        self._best = self.load_checkpoint()

    def fit(self) -> TrainState:
        """Train to ``cfg.epochs`` (from the restored checkpoint after :meth:`restore`),
        then load the best weights and write them as the final weights (stage ``weights``)
        unless that stage is done."""
        best = self._best
        total = self.cfg.epochs * self.steps_per_epoch
        main = self.world.main
        with EpochProgress(total, self.state.step, self.progress and main) as bar:
            while not self.finished:
                row = self._collective(self._epoch, bar, total)
                improved = row["val_loss"] < self.state.best_val
                if improved or best is None:
                    best = _copy(self.model.state_dict())
                if improved:
                    self.state.best_val, self.state.best_epoch = row["val_loss"], self.state.epoch
                    self.state.bad_epochs = 0
                else:
                    self.state.bad_epochs += 1
                patience = self.cfg.early_stopping
                self.state.stopped_early = (
                    patience is not None and self.state.bad_epochs >= patience
                )
                self._collective(self.save_checkpoint, best)
                if main:
                    self.run_dir.write_metrics(self.state.history)
                bar.log(_summary(row))
                for tracker in self.trackers:
                    tracker.metrics(row, self.state.epoch)
        fault_point("stage:trained")
        if best is not None:
            self.model.load_state_dict(best)
        if self.world.main and not self.run_dir.done("weights"):
            self.run_dir.write_weights(self.model.state_dict())
            self.run_dir.mark_done("weights")
            fault_point("stage:weights")
        return self.state

    def _set_lrs(self, step: int, total: int) -> dict[str, float]:
        """Every optimizer's learning rate at ``step``; param groups are written on change."""
        for name, (schedule, base, warmup) in self.schedules.items():
            lr = base * lr_at(schedule, step, total, warmup)
            if lr != self._lrs.get(name):
                for group in self.opts[name].param_groups:
                    group["lr"] = lr
                self._lrs[name] = lr
        return self._lrs

    def _epoch(self, bar: EpochProgress, total: int) -> dict[str, float]:
        model, cfg, st = self.model, self.cfg, self.state
        model.train()
        start = time.perf_counter()
        world = self.world
        perm = distributed.shard(
            torch.randperm(len(self.train_set), generator=self.order), self.world
        )
        logged = RunningMeans(distributed.sum_tensor if world.distributed else None)
        n, bs = len(self.train_set), cfg.batch_size
        last = self.steps_per_epoch - 1
        lrs: dict[str, float] = {}
        for i, batch in enumerate(self.train_set.batches(perm, self.local_batch, self.device)):
            lrs = self._set_lrs(st.step, total)
            ctx = StepContext(
                st.step, st.epoch, self.kl_weight(st.step), True, n, bs, world.size, world.rank
            )
            b = len(batch)
            for u in self.updates:
                out = u.fn(batch, ctx)
                u.opt.zero_grad(set_to_none=True)
                out.loss.backward()
                if u.clip:
                    nn.utils.clip_grad_norm_(u.params, u.clip)
                u.opt.step()
                logged.add(u.loss_key, out, b)
            logged.count(b)
            st.step += 1
            if st.step % cfg.log_every == 0 or i == last:
                bar.update(st.step, st.epoch + 1, _shown(self._check(logged.means())))
            if self.on_step is not None:
                self.on_step(st.step)
        train_time = time.perf_counter() - start
        means = self._check(logged.means())
        val = self.validate()
        st.epoch += 1
        row = {
            "epoch": st.epoch,
            "time_s": train_time,
            "train_loss": means.pop("loss"),
            "val_loss": val.pop("loss"),
        }
        row.update(means)
        row.update({f"val_{k}": v for k, v in val.items()})
        for name, lr in lrs.items():
            row["lr" if name == "main" else f"lr_{name}"] = lr
        st.history.append(row)
        return row

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        """Mean loss and terms of every step on the validation split (eval mode; each
        rank takes every ``world_size``-th example and the totals are summed)."""
        self.model.eval()
        world = self.world
        ctx = StepContext(
            self.state.step,
            self.state.epoch,
            1.0,
            False,
            len(self.train_set),
            self.cfg.batch_size,
            world.size,
            world.rank,
        )
        logged = RunningMeans(distributed.sum_tensor if world.distributed else None)
        order = torch.arange(len(self.val_set))[world.rank :: world.size]
        for batch in self.val_set.batches(order, 4 * self.local_batch, self.device):
            for u, fn in zip(self.updates, self.eval_fns, strict=True):
                logged.add(u.loss_key, fn(batch, ctx), len(batch))
            logged.count(len(batch))
        return self._check(logged.means())

    def _collective(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``; in a distributed run a failed collective (another rank died or
        hung past ``train.dist_timeout_s``) becomes a one-line :class:`DistributedError`."""
        if not self.world.distributed:
            return fn(*args)
        try:
            return fn(*args)
        except (torch.distributed.DistError, RuntimeError) as e:
            if isinstance(e, VaekitError) or not _collective_failure(e):
                raise
            raise distributed.DistributedError(
                f"rank {self.world.rank}: a collective failed at epoch {self.state.epoch + 1}, "
                f"step {self.state.step} (another rank died, or hung past "
                f"train.dist_timeout_s={self.cfg.dist_timeout_s:g}): "
                f"{str(e).splitlines()[0][:200]}"
            ) from None

    def _check(self, means: dict[str, float]) -> dict[str, float]:
        if not math.isfinite(means["loss"]):
            raise TrainingDiverged(
                f"loss became {means['loss']} at epoch {self.state.epoch + 1}, step "
                f"{self.state.step}; stopped. The last good checkpoint (epoch "
                f"{self.state.epoch}) in {self.run_dir} is intact: lower train.lr, set "
                "train.grad_clip, or check the data."
            )
        return means


def _collective_failure(e: BaseException) -> bool:
    """Whether ``e`` is a collective's failure (as opposed to an error in a model)."""
    if isinstance(e, torch.distributed.DistError):
        return True
    text = str(e).lower()
    return any(w in text for w in ("gloo", "nccl", "connection", "timed out", "timeout"))


def _autocast(
    fn: Callable[[Batch, StepContext], StepOut], device_type: str
) -> Callable[[Batch, StepContext], StepOut]:
    def step(batch: Batch, ctx: StepContext) -> StepOut:
        with torch.autocast(device_type, dtype=torch.bfloat16):
            return fn(batch, ctx)

    return step


def _copy(state: dict[str, Tensor]) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in state.items()}


# the progress bar's values; codebook use as usage beside normalised perplexity (ppl / K)
SHOWN = ("loss", "recon", "kl", "commit", "usage", "perplexity_norm")


def _shown(means: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in means.items() if k in SHOWN}


def _summary(row: dict[str, float]) -> str:
    return (
        f"epoch {int(row['epoch'])}: train {row['train_loss']:.3f}  val {row['val_loss']:.3f}"
        f"  ({row['time_s']:.1f}s)"
    )
