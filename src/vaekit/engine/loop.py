"""The one training loop. It never names a model: it calls ``model.step`` and logs the
terms that come back. Checkpoints at every epoch end hold everything needed to
continue bit-for-bit: weights, optimizer, schedule step, RNG states, data order,
early-stopping state and the metric history.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from vaekit import files
from vaekit.config import TrainConfig
from vaekit.engine.optim import SCHEDULES, lr_at, make_optimizer
from vaekit.engine.progress import EpochProgress
from vaekit.registry import VaekitError
from vaekit.types import StepContext


class TrainingDiverged(VaekitError):
    """The loss became NaN or infinite; the last good checkpoint is left untouched."""


@dataclass
class TrainState:
    """Counters and history that a checkpoint carries besides weights and optimizer."""

    epoch: int = 0
    step: int = 0
    best_val: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    stopped_early: bool = False


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class Trainer:
    """Trains ``model`` on ``data`` (a :class:`vaekit.data.DataSplits`) into ``run_dir``.

    ``on_step`` is called after every optimizer step with the step number (tests use
    it to interrupt a run at an arbitrary moment).
    """

    def __init__(
        self,
        model: nn.Module,
        data: Any,
        cfg: TrainConfig,
        run_dir: Path,
        seed: int,
        device: torch.device,
        progress: bool = True,
        on_step: Callable[[int], None] | None = None,
    ) -> None:
        self.model, self.cfg, self.run_dir, self.device = model, cfg, run_dir, device
        self.train_set = _as_float(data.train.to(device))
        self.val_set = data.val.to(device)
        self.dynamic = data.binarize == "dynamic"
        self.opt = make_optimizer(cfg.optimizer, model.parameters(), cfg.lr, cfg.weight_decay)
        self.schedule = SCHEDULES.get(cfg.schedule)
        self.state = TrainState()
        self.order = torch.Generator().manual_seed(seed)
        self.steps_per_epoch = math.ceil(len(self.train_set) / cfg.batch_size)
        self.progress, self.on_step = progress, on_step
        self.writer: Any = None
        self._best: dict[str, Tensor] | None = None
        if cfg.tensorboard:
            _require_tensorboard()

    # -- checkpoint ------------------------------------------------------------------------
    def save_checkpoint(self, best: dict[str, Tensor] | None) -> None:
        """Atomically write everything needed to continue exactly."""
        files.write_torch(
            self.run_dir / files.CHECKPOINT,
            {
                "model": self.model.state_dict(),
                "optimizer": self.opt.state_dict(),
                "schedule": {"name": self.cfg.schedule, "step": self.state.step},
                "rng": _rng_state(),
                "data_order": self.order.get_state(),
                "state": self.state.__dict__,
                # the best weights are stored only when they differ from the current ones
                "best_model": None if self.state.best_epoch == self.state.epoch else best,
            },
        )

    def load_checkpoint(self) -> dict[str, Tensor] | None:
        """Restore from the run directory's checkpoint; returns the best weights so far.

        Loaded on the CPU: RNG states must stay CPU tensors, and ``load_state_dict``
        moves weights and optimizer state to the model's device.
        """
        path = self.run_dir / files.CHECKPOINT
        if not path.is_file():
            raise VaekitError(f"{self.run_dir} is missing {files.CHECKPOINT}: nothing to resume")
        try:
            ckpt = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as e:
            raise VaekitError(f"{path} is corrupt: {e}") from None
        self.model.load_state_dict(ckpt["model"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.order.set_state(ckpt["data_order"])
        self.state = TrainState(**ckpt["state"])
        _set_rng_state(ckpt["rng"])
        best = ckpt["best_model"]
        return best if best is not None else _copy(self.model.state_dict())

    # -- loop --------------------------------------------------------------------------------
    def kl_weight(self, step: int) -> float:
        """Linear KL warm-up over ``kl_warmup_epochs`` (1 when off)."""
        warm = self.cfg.kl_warmup_epochs * self.steps_per_epoch
        return 1.0 if warm <= 0 else min(1.0, step / warm)

    def restore(self) -> None:
        """Load the run directory's checkpoint to continue; an error when nothing is left to do."""
        self._best = self.load_checkpoint()
        if self.state.epoch >= self.cfg.epochs:
            done = self.state.epoch
            raise VaekitError(
                f"{self.run_dir} already has {done} epochs; pass --epochs N with N > {done} "
                "to extend it"
            )

    def fit(self) -> TrainState:
        """Train to ``cfg.epochs`` (from the restored checkpoint after :meth:`restore`)."""
        best = self._best
        if self.cfg.tensorboard:
            self.writer = _require_tensorboard()(str(self.run_dir / "tensorboard"))
        total = self.cfg.epochs * self.steps_per_epoch
        with EpochProgress(total, self.state.step, self.progress) as bar:
            while self.state.epoch < self.cfg.epochs and not self.state.stopped_early:
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
                files.write_csv(self.run_dir / files.METRICS, self.state.history)
                bar.log(_summary(row))
                if self.writer is not None:
                    for k, v in row.items():
                        self.writer.add_scalar(k, v, self.state.epoch)
        if best is not None:
            self.model.load_state_dict(best)
        files.write_weights(self.run_dir / files.WEIGHTS, self.model.state_dict())
        if self.writer is not None:
            self.writer.close()
        return self.state

    def _epoch(self, bar: EpochProgress, total: int) -> dict[str, float]:
        model, cfg, st = self.model, self.cfg, self.state
        model.train()
        start = time.perf_counter()
        perm = torch.randperm(len(self.train_set), generator=self.order).to(self.device)
        sums: dict[str, Tensor] = {}
        seen = 0
        for i in range(self.steps_per_epoch):
            x, y = self.train_set.batch(perm[i * cfg.batch_size : (i + 1) * cfg.batch_size])
            if self.dynamic:
                x = torch.bernoulli(x)
            lr = cfg.lr * lr_at(self.schedule, st.step, total, cfg.warmup_steps)
            for group in self.opt.param_groups:
                group["lr"] = lr
            out = model.step(x, y, StepContext(st.step, st.epoch, self.kl_weight(st.step)))
            self.opt.zero_grad(set_to_none=True)
            out.loss.backward()
            if cfg.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            self.opt.step()
            st.step += 1
            seen += x.shape[0]
            _accumulate(sums, out, x.shape[0])
            if st.step % cfg.log_every == 0 or i == self.steps_per_epoch - 1:
                means = self._check({k: v.item() / seen for k, v in sums.items()})
                bar.update(st.step, st.epoch + 1, _shown(means))
            if self.on_step is not None:
                self.on_step(st.step)
        train_time = time.perf_counter() - start
        means = self._check({k: v.item() / seen for k, v in sums.items()})
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
        row["lr"] = lr
        st.history.append(row)
        return row

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        """Mean loss and terms of the training objective on the validation split."""
        self.model.eval()
        ctx = StepContext(self.state.step, self.state.epoch, 1.0, training=False)
        sums: dict[str, Tensor] = {}
        n = len(self.val_set)
        bs = 4 * self.cfg.batch_size
        for i in range(0, n, bs):
            x, y = self.val_set.batch(torch.arange(i, min(i + bs, n), device=self.device))
            _accumulate(sums, self.model.step(x, y, ctx), x.shape[0])
        return self._check({k: v.item() / n for k, v in sums.items()})

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


_FLOAT_LIMIT = 2**30  # bytes: smaller training sets are converted to float32 once


def _as_float(ds: Any) -> Any:
    """The training set with x as float32 (no per-batch conversion) when that fits 1 GiB."""
    if ds.x.dtype == torch.float32 or ds.x.numel() * 4 > _FLOAT_LIMIT:
        return ds
    return dataclasses.replace(ds, x=ds.float_x(), scale=1.0)


def _accumulate(sums: dict[str, Tensor], out: Any, batch: int) -> None:
    """Add the batch's summed loss and terms to running device-side totals (no sync)."""
    items = {"loss": out.loss.detach() * batch}
    items.update({k: v.detach().sum() for k, v in out.terms.items()})
    items.update({k: v.detach() * batch for k, v in out.stats.items()})
    for k, v in items.items():
        sums[k] = sums[k] + v if k in sums else v


def _shown(means: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in means.items() if k in ("loss", "recon", "kl", "commit", "perplexity")}


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
