"""The one training loop. It never names a model: it builds the optimizers the model
declares, runs the model's steps on every batch and logs whatever terms come back.

Checkpoints at every epoch end hold everything needed to continue bit for bit:
weights, every optimizer's state by name, RNG states, data order, early-stopping state
and the metric history. After the last epoch the loop writes the final weights, the
run's first stage (:data:`vaekit.rundir.STAGES`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from vaekit.config import TrainConfig
from vaekit.engine.optim import SCHEDULES, lr_at, make_optimizer
from vaekit.engine.progress import EpochProgress
from vaekit.engine.rng import rng_state, set_rng_state
from vaekit.engine.running import RunningMeans
from vaekit.faults import fault_point
from vaekit.registry import ConfigError, VaekitError
from vaekit.rundir import RunDir, RunDirError
from vaekit.types import Batch, DataSource, StepContext, StepOut, Trainable, iter_batches


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
    ) -> None:
        if not isinstance(model, Trainable):
            raise VaekitError(f"{type(model).__name__} has no optimizers() and steps() to train")
        self.model, self.cfg, self.run_dir, self.device = model, cfg, run_dir, device
        self.train_set: DataSource = data.train.prepare(device)
        self.val_set: DataSource = data.val
        self.schedules: dict[str, tuple[Callable[[int, int], float], float, int]] = {}
        self.opts: dict[str, torch.optim.Optimizer] = {}
        self.updates = self._plan(model)
        self.state = TrainState()
        self.order = torch.Generator().manual_seed(seed)
        self.steps_per_epoch = math.ceil(len(self.train_set) / cfg.batch_size)
        self.progress, self.on_step = progress, on_step
        self.writer: Any = None
        self._best: dict[str, Tensor] | None = None
        self._lrs: dict[str, float] = {}
        if cfg.tensorboard:
            _require_tensorboard()

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
                    step.fn,
                    self.opts[step.optimizer],
                    list(groups[step.optimizer].params),
                    settings.grad_clip,
                )
            )
        return updates

    # -- checkpoint ------------------------------------------------------------------------
    def save_checkpoint(self, best: dict[str, Tensor] | None) -> None:
        """Atomically write everything needed to continue exactly."""
        self.run_dir.write_checkpoint(
            {
                "model": self.model.state_dict(),
                "optimizers": {name: opt.state_dict() for name, opt in self.opts.items()},
                "rng": rng_state(),
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
            set_rng_state(ckpt["rng"])
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise RunDirError(
                f"{self.run_dir / RunDir.CHECKPOINT} does not fit this run: {first}"
            ) from None
        best = ckpt["best_model"]
        return best if best is not None else _copy(self.model.state_dict())

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
        if self.cfg.tensorboard:
            self.writer = _require_tensorboard()(str(self.run_dir / "tensorboard"))
        total = self.cfg.epochs * self.steps_per_epoch
        with EpochProgress(total, self.state.step, self.progress) as bar:
            while not self.finished:
                row = self._epoch(bar, total)
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
                self.save_checkpoint(best)
                self.run_dir.write_metrics(self.state.history)
                bar.log(_summary(row))
                if self.writer is not None:
                    for k, v in row.items():
                        self.writer.add_scalar(k, v, self.state.epoch)
        fault_point("stage:trained")
        if best is not None:
            self.model.load_state_dict(best)
        if not self.run_dir.done("weights"):
            self.run_dir.write_weights(self.model.state_dict())
            self.run_dir.mark_done("weights")
            fault_point("stage:weights")
        if self.writer is not None:
            self.writer.close()
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
        perm = torch.randperm(len(self.train_set), generator=self.order)
        logged = RunningMeans()
        n, bs = len(self.train_set), cfg.batch_size
        last = self.steps_per_epoch - 1
        lrs: dict[str, float] = {}
        for i, batch in enumerate(self.train_set.batches(perm, bs, self.device)):
            lrs = self._set_lrs(st.step, total)
            ctx = StepContext(st.step, st.epoch, self.kl_weight(st.step), True, n, bs)
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
        """Mean loss and terms of every step on the validation split (eval mode)."""
        self.model.eval()
        ctx = StepContext(
            self.state.step,
            self.state.epoch,
            1.0,
            False,
            len(self.train_set),
            self.cfg.batch_size,
        )
        logged = RunningMeans()
        for batch in iter_batches(self.val_set, 4 * self.cfg.batch_size, self.device):
            for u in self.updates:
                logged.add(u.loss_key, u.fn(batch, ctx), len(batch))
            logged.count(len(batch))
        return self._check(logged.means())

    def _check(self, means: dict[str, float]) -> dict[str, float]:
        if not math.isfinite(means["loss"]):
            raise TrainingDiverged(
                f"loss became {means['loss']} at epoch {self.state.epoch + 1}, step "
                f"{self.state.step}; stopped. The last good checkpoint (epoch "
                f"{self.state.epoch}) in {self.run_dir} is intact: lower train.lr, set "
                "train.grad_clip, or check the data."
            )
        return means


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


def _require_tensorboard() -> Any:
    """TensorBoard's SummaryWriter class, or a clear error naming the extra to install."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise VaekitError(
            "train.tensorboard needs the tensorboard package: pip install 'vaekit[tensorboard]'"
        ) from None
    return SummaryWriter
