"""Train and load the prior over a quantized run's codes: ``RUN_DIR/prior/``.

``vaekit train-prior RUN_DIR`` encodes the run's data to code indices and fits a code
prior (:data:`vaekit.priors.CODE_PRIORS`) to them with the one engine. The prior
folder is a nested :class:`~vaekit.rundir.RunDir` (``config.yaml``, ``checkpoint.pt``,
``metrics.csv``, ``model.safetensors``, ``results.json`` with the code NLLs,
``samples.png``, ``stages.json``) with the stages of any run, resumable like one, and
written under the run's lock; :func:`attach_prior`, called by :func:`vaekit.api.load`,
gives a loaded model its trained prior.

>>> run = vaekit.api.load("runs/vqvae")
>>> vaekit.api.train_prior(run, epochs=20)
>>> vaekit.api.load("runs/vqvae").model.sample(16)
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import yaml
from torch import nn

from vaekit.api.interrupts import resume_hint
from vaekit.config import TrainConfig, apply_overrides, from_dict
from vaekit.data import ArrayDataset, DataSplits, load_data
from vaekit.engine import Trainer, resolve_device, seed_everything
from vaekit.faults import fault_point
from vaekit.priors import CODE_PRIORS
from vaekit.progress import phase
from vaekit.protocols import HasCodebook
from vaekit.registry import ConfigError, VaekitError
from vaekit.rundir import RunDir, RunDirError
from vaekit.types import Batch, DataSource, OneStep, StepContext, StepOut, iter_batches
from vaekit.viz import save_grid

if TYPE_CHECKING:
    from vaekit.api.runs import Run

PRIOR_DIR = "prior"


@dataclass
class PriorRunConfig:
    """A code prior run (``RUN_DIR/prior/config.yaml``): prior spec, engine settings, seed."""

    prior: str | dict[str, Any] = field(default_factory=lambda: {"name": "transformer"})
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=20, grad_clip=1.0))
    seed: int = 0


@dataclass(frozen=True)
class PriorResult:
    """What :func:`train_prior` returns: folder, epochs done, code NLLs (nats per example)."""

    prior_dir: Path
    epochs: int
    val_nll: float
    test_nll: float
    code_length: int
    seconds: float
    samples: Path | None


class CodePriorStep(OneStep, nn.Module):
    """The prior as an engine model: ``step`` gives the NLL (nats) of a batch of code sequences.

    Code sequences travel as float32 ``(B, L)`` (exact integers; the data containers hold
    float32 or uint8) and are cast back to int64 here.
    """

    def __init__(self, prior: nn.Module) -> None:
        super().__init__()
        self.prior = prior

    def step(self, batch: Batch, ctx: StepContext) -> StepOut:
        """The negative log-likelihood of the code sequences ``batch.x``."""
        nll = -self.prior.log_prob(batch.x.long())
        return StepOut(nll.mean(), {"nll": nll})


@torch.no_grad()
def encode_codes(model: HasCodebook, data: DataSource, batch: int = 256) -> ArrayDataset:
    """The code indices of every example of ``data``, flattened in raster order: ``(N, L)``."""
    device = next(model.parameters()).device  # type: ignore[attr-defined]
    model.eval()  # type: ignore[attr-defined]
    codes = [
        model.encode_indices(b.x).flatten(1).float() for b in iter_batches(data, batch, device)
    ]
    return ArrayDataset(torch.cat(codes).cpu())


def code_splits(model: HasCodebook, data: DataSplits) -> DataSplits:
    """The run's splits as code sequences.

    A dynamically binarised training split yields one binarised draw of each example
    (torch's global generator, seeded by the caller).
    """
    return data.encoded(lambda ds: encode_codes(model, ds), (model.code_length,))


def build_prior(cfg: PriorRunConfig, model: HasCodebook) -> nn.Module:
    """The configured code prior sized for ``model``'s codebook and code length."""
    try:
        return CODE_PRIORS.build(
            cfg.prior, vocab_size=model.codebook_size, length=model.code_length
        )
    except (TypeError, ValueError) as e:
        if isinstance(e, VaekitError):
            raise
        raise ConfigError(f"prior: {e}") from None


def make_prior_config(overrides: Sequence[str] = (), epochs: int | None = None) -> PriorRunConfig:
    """Defaults, then ``--set`` items (``prior.layers=4``, ``train.lr=3e-4``), then ``epochs``."""
    data = apply_overrides(dataclasses.asdict(PriorRunConfig()), list(overrides))
    if epochs is not None:
        data["train"]["epochs"] = epochs
    cfg = from_dict(PriorRunConfig, data)
    cfg.train.check()
    return cfg


def load_prior_config(prior_dir: RunDir) -> PriorRunConfig:
    """The config saved in a prior folder."""
    data = prior_dir.read_config()
    try:
        return from_dict(PriorRunConfig, data)
    except ConfigError as e:
        raise RunDirError(f"{prior_dir / RunDir.CONFIG} is corrupt: {e}") from None


def train_prior(
    run: Run,
    epochs: int | None = None,
    overrides: Sequence[str] = (),
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
) -> PriorResult:
    """Fit a prior to the codes of ``run`` (a loaded :class:`vaekit.api.Run`) in ``RUN_DIR/prior``.

    ``resume`` finishes ``RUN_DIR/prior`` like :func:`vaekit.api.resume` finishes a run
    (``epochs`` then extends it); ``overwrite`` replaces a trained prior.
    """
    start = time.perf_counter()
    model = run.model
    if not isinstance(model, HasCodebook):
        raise VaekitError(
            f"train-prior needs a quantized model (e.g. vqvae, fsq_vae); "
            f"{run.run_dir} holds a {run.config.model.name!r}"
        )
    if resume and (overrides or overwrite):
        raise ConfigError(
            "--resume takes only --epochs (the rest comes from the prior's config.yaml)"
        )
    prior_dir = run.dir.child(PRIOR_DIR)
    with prior_dir.lock():
        cfg = _resumed_config(prior_dir, epochs) if resume else make_prior_config(overrides, epochs)
        if not resume:
            prior_dir.create(overwrite)
        device = resolve_device(cfg.train.device)
        model.to(device)  # type: ignore[attr-defined]
        seed_everything(cfg.seed)
        with phase("train-prior: encoding the run's data into codes"):
            codes = code_splits(model, load_data(run.config.data))
        seed_everything(cfg.seed)
        step = CodePriorStep(build_prior(cfg, model)).to(device)
        trainer = Trainer(step, codes, cfg.train, prior_dir, cfg.seed, device, progress)
        if resume and prior_dir.has(RunDir.CHECKPOINT):
            trainer.restore()
            prior_dir.check_resumable(trainer.state.epoch, trainer.finished, epochs)
            if not trainer.finished and prior_dir.stages_done():
                prior_dir.clear_stages()
        if not resume or epochs is not None:
            prior_dir.write_config(yaml.safe_dump(dataclasses.asdict(cfg), sort_keys=False))
        with resume_hint(prior_dir, trainer, f"vaekit train-prior {run.run_dir} --resume"):
            state = trainer.fit()
            with phase("train-prior: NLL of the validation and test codes"):
                val_nll, test_nll = _evaluation(prior_dir, step, codes.test, state.best_val)
            model.prior = step.prior
            with phase("train-prior: samples"):
                samples = _samples(model, run.config.eval.num_pictures, cfg.seed, prior_dir)
            prior_dir.mark_done("pictures")
    return PriorResult(
        prior_dir.path,
        state.epoch,
        val_nll,
        test_nll,
        model.code_length,
        time.perf_counter() - start,
        samples,
    )


def _samples(model: Any, n: int, seed: int, prior_dir: RunDir) -> Path | None:
    """``n`` samples drawn with ``seed`` as ``samples.png`` (image models only, ``n > 0``)."""
    if len(model.input_shape) != 3 or n == 0:
        return None
    device = next(model.parameters()).device
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        images = model.sample(n)
    return save_grid(images, prior_dir / "samples.png")


def _resumed_config(prior_dir: RunDir, epochs: int | None) -> PriorRunConfig:
    """The saved config of the prior to resume, with ``epochs`` when given."""
    cfg = load_prior_config(prior_dir)
    if epochs is not None:
        cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, epochs=epochs))
        cfg.train.check()
    return cfg


def _evaluation(
    prior_dir: RunDir, step: CodePriorStep, test: DataSource, val_nll: float
) -> tuple[float, float]:
    """The validation and test NLLs of codes: computed and saved in ``results.json``
    (stage ``evaluation``), or read back when that stage is done."""
    if prior_dir.done("evaluation"):
        saved = prior_dir.read_json(RunDir.RESULTS)
        try:
            return float(saved["val_nll"]), float(saved["test_nll"])
        except (KeyError, TypeError, ValueError):
            raise RunDirError(f"{prior_dir / RunDir.RESULTS} is corrupt") from None
    test_nll = mean_nll(step, test)
    prior_dir.write_json(RunDir.RESULTS, {"val_nll": val_nll, "test_nll": test_nll})
    prior_dir.mark_done("evaluation")
    fault_point("stage:evaluation")
    return val_nll, test_nll


def attach_prior(run_dir: RunDir, model: nn.Module) -> None:
    """Give a quantized ``model`` the prior trained in ``run_dir/prior``, when there is one."""
    prior_dir = run_dir.child(PRIOR_DIR)
    if not isinstance(model, HasCodebook) or not prior_dir.has(RunDir.WEIGHTS):
        return
    prior = build_prior(load_prior_config(prior_dir), model)
    prior_dir.load_weights(CodePriorStep(prior), "model")
    model.prior = prior.eval()


@torch.no_grad()
def mean_nll(step: CodePriorStep, data: DataSource, batch: int = 256) -> float:
    """Mean NLL (nats per sequence) of the code sequences ``data`` under the prior, in eval mode."""
    step.eval()
    device = next(step.parameters()).device
    total = torch.zeros((), dtype=torch.float64, device=device)
    for b in iter_batches(data, batch, device):
        total += step.step(b, StepContext(training=False)).terms["nll"].double().sum()
    return total.item() / max(len(data), 1)
