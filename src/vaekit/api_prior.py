"""Train and load the prior over a quantized run's codes: ``RUN_DIR/prior/``.

``vaekit train-prior RUN_DIR`` encodes the run's data to code indices and fits a code
prior (:data:`vaekit.priors.CODE_PRIORS`) to them with the one engine. The prior
folder is a run directory of its own (``config.yaml``, ``checkpoint.pt``,
``metrics.csv``, ``model.safetensors``), resumable like any run; :func:`attach_prior`,
called by :func:`vaekit.api.load`, gives a loaded model its trained prior.

>>> run = vaekit.api.load("runs/vqvae")
>>> vaekit.api_prior.train_prior(run, epochs=20)
>>> vaekit.api.load("runs/vqvae").model.sample(16)
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import Tensor, nn

from vaekit import files as F
from vaekit.config import TrainConfig, apply_overrides, from_dict, yaml_problem
from vaekit.data import ArrayDataset, DataSplits, load_data, static_binarize
from vaekit.engine import Trainer, resolve_device, seed_everything
from vaekit.priors import CODE_PRIORS
from vaekit.registry import ConfigError, VaekitError
from vaekit.types import StepContext, StepOut
from vaekit.viz import save_grid

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


class CodePriorStep(nn.Module):
    """The prior as an engine model: ``step`` gives the NLL (nats) of a batch of code sequences.

    Code sequences travel as float32 ``(B, L)`` (exact integers; the data containers hold
    float32 or uint8) and are cast back to int64 here.
    """

    def __init__(self, prior: nn.Module) -> None:
        super().__init__()
        self.prior = prior

    def step(self, x: Tensor, y: Tensor | None, ctx: StepContext) -> StepOut:
        nll = -self.prior.log_prob(x.long())
        return StepOut(nll.mean(), {"nll": nll})


@torch.no_grad()
def encode_codes(model: nn.Module, ds: ArrayDataset, batch: int = 256) -> ArrayDataset:
    """The code indices of every example of ``ds``, flattened in raster order: ``(N, L)``."""
    device = next(model.parameters()).device
    model.eval()
    codes = []
    for i in range(0, len(ds), batch):
        x, _ = ds.batch(torch.arange(i, min(i + batch, len(ds))))
        codes.append(model.encode(x.to(device)).indices.flatten(1).float())
    return ArrayDataset(torch.cat(codes))


def code_splits(model: nn.Module, data: DataSplits, seed: int) -> DataSplits:
    """The run's splits as code sequences (a grey training split is binarised once)."""
    train = static_binarize(data.train, seed) if data.binarize == "dynamic" else data.train
    train, val, test = (encode_codes(model, ds) for ds in (train, data.val, data.test))
    return DataSplits(
        name=f"{data.name} codes",
        train=train,
        val=val,
        test=test,
        shape=(model.code_length,),
        num_classes=None,
        binarize="none",
    )


def build_prior(cfg: PriorRunConfig, model: nn.Module) -> nn.Module:
    """The configured code prior sized for ``model``'s codebook and code length."""
    try:
        return CODE_PRIORS.build(
            cfg.prior, vocab_size=model.quantizer.codebook_size, length=model.code_length
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
    return from_dict(PriorRunConfig, data)


def load_prior_config(prior_dir: Path) -> PriorRunConfig:
    """The config saved in a prior folder."""
    path = prior_dir / F.CONFIG
    if not path.is_file():
        raise VaekitError(f"{prior_dir} is missing {F.CONFIG}: not a trained code prior")
    try:
        return from_dict(PriorRunConfig, yaml.safe_load(path.read_text()) or {})
    except yaml.YAMLError as e:
        raise VaekitError(f"{path} is corrupt: {yaml_problem(e)}") from None
    except ConfigError as e:
        raise VaekitError(f"{path} is corrupt: {e}") from None


def train_prior(
    run: Any,
    epochs: int | None = None,
    overrides: Sequence[str] = (),
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
) -> PriorResult:
    """Fit a prior to the codes of ``run`` (a loaded :class:`vaekit.api.Run`) in ``RUN_DIR/prior``.

    ``resume`` continues ``RUN_DIR/prior/checkpoint.pt`` (``epochs`` then extends it);
    ``overwrite`` replaces a trained prior.
    """
    start = time.perf_counter()
    model = run.model
    if not hasattr(model, "code_length"):
        raise VaekitError(
            f"train-prior needs a quantized model (e.g. vqvae, fsq_vae); "
            f"{run.run_dir} holds a {run.config.model.name!r}"
        )
    prior_dir = Path(run.run_dir) / PRIOR_DIR
    cfg = _prepare(prior_dir, epochs, overrides, resume, overwrite)
    device = resolve_device(cfg.train.device)
    model.to(device)
    codes = code_splits(model, load_data(run.config.data), cfg.seed)
    seed_everything(cfg.seed)
    step = CodePriorStep(build_prior(cfg, model)).to(device)
    trainer = Trainer(step, codes, cfg.train, prior_dir, cfg.seed, device, progress)
    if resume:
        trainer.restore()
    state = trainer.fit()
    test_nll = mean_nll(step, codes.test)
    model.prior = step.prior
    samples = None
    if len(model.input_shape) == 3:
        samples = save_grid(model.sample(run.config.eval.num_pictures), prior_dir / "samples.png")
    return PriorResult(
        prior_dir,
        state.epoch,
        state.best_val,
        test_nll,
        model.code_length,
        time.perf_counter() - start,
        samples,
    )


def _prepare(
    prior_dir: Path, epochs: int | None, overrides: Sequence[str], resume: bool, overwrite: bool
) -> PriorRunConfig:
    """The prior run's config: read back (``resume``) or made and written to a fresh folder."""
    if resume:
        if overrides or overwrite:
            raise ConfigError(
                "--resume takes only --epochs (the rest comes from the prior's config.yaml)"
            )
        cfg = load_prior_config(prior_dir)
        if epochs is not None:
            cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, epochs=epochs))
    else:
        cfg = make_prior_config(overrides, epochs)
        if prior_dir.exists() and any(prior_dir.iterdir()):
            if not overwrite:
                raise VaekitError(
                    f"{prior_dir} already exists; pass --overwrite to replace it, "
                    "or --resume to continue it"
                )
            shutil.rmtree(prior_dir)
        prior_dir.mkdir(parents=True, exist_ok=True)
    F.write_text(prior_dir / F.CONFIG, yaml.safe_dump(dataclasses.asdict(cfg), sort_keys=False))
    return cfg


def attach_prior(run_dir: Path, model: nn.Module) -> None:
    """Give a quantized ``model`` the prior trained in ``run_dir/prior``, when there is one."""
    path = Path(run_dir) / PRIOR_DIR / F.WEIGHTS
    if not hasattr(model, "code_length") or not path.is_file():
        return
    prior = build_prior(load_prior_config(path.parent), model)
    try:
        CodePriorStep(prior).load_state_dict(load_file(str(path)))
    except (SafetensorError, RuntimeError) as e:
        raise VaekitError(
            f"{path} is corrupt or does not fit the model: {str(e).splitlines()[0]}"
        ) from None
    model.prior = prior.eval()


@torch.no_grad()
def mean_nll(step: CodePriorStep, ds: ArrayDataset, batch: int = 256) -> float:
    """Mean NLL (nats per sequence) of the code sequences ``ds`` under the prior, in eval mode."""
    step.eval()
    device = next(step.parameters()).device
    total = 0.0
    for i in range(0, len(ds), batch):
        x, _ = ds.batch(torch.arange(i, min(i + batch, len(ds))))
        out = step.step(x.to(device), None, StepContext(training=False))
        total += out.terms["nll"].sum().item()
    return total / max(len(ds), 1)
