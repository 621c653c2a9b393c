"""Post-hoc latent samplers for a trained run: fitted on its training codes, saved in
``RUN_DIR/samplers/<name>/`` and reused.

``vaekit sample RUN_DIR --sampler gmm`` encodes the run's training split (one posterior
draw per example, or the posterior mean with ``codes: mean``), fits the sampler
(:data:`vaekit.samplers.SAMPLERS`) and decodes its draws; this works for AE, WAE and VAE
runs alike. The sampler folder is a nested :class:`~vaekit.rundir.RunDir`:
``config.yaml`` (sampler spec, codes, engine settings, seed), ``model.safetensors``, the
engine's ``checkpoint.pt`` and ``metrics.csv`` for samplers trained by gradient descent,
and ``results.json`` with the validation and test codes' NLL (nats per code). A sampler
whose evaluation is done is loaded, not refitted; ``refit`` replaces it.

>>> run = vaekit.api.load("runs/wae")
>>> images = vaekit.api.generate(run, 64, sampler="gmm")
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
import yaml
from torch import Tensor

from vaekit.config import TrainConfig, apply_overrides, from_dict
from vaekit.data import ArrayDataset, DataSplits, load_data
from vaekit.distributions import mean_of
from vaekit.engine import Trainer, resolve_device, seed_everything
from vaekit.progress import phase
from vaekit.protocols import HasPosterior
from vaekit.registry import ConfigError, VaekitError, split_spec
from vaekit.rundir import RunDir, RunDirError
from vaekit.samplers import SAMPLERS, LatentSampler
from vaekit.types import DataSource, Trainable, iter_batches

if TYPE_CHECKING:
    from vaekit.api.runs import Run

SAMPLER_DIR = "samplers"
CODES = ("sample", "mean")


@dataclass
class SamplerRunConfig:
    """A latent sampler's fit (``RUN_DIR/samplers/<name>/config.yaml``)."""

    sampler: str | dict[str, Any] = "gmm"
    codes: str = "sample"
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=50, batch_size=256))
    seed: int = 0


def make_sampler_config(
    spec: str | dict[str, Any] = "gmm", overrides: Sequence[str] = ()
) -> SamplerRunConfig:
    """The sampler ``spec`` with defaults, then ``--set``-style items (``codes=mean``,
    ``train.epochs=100``, ``sampler.components=20``)."""
    split_spec(spec, "latent sampler")
    data = dataclasses.asdict(SamplerRunConfig(sampler=spec))
    if overrides and isinstance(spec, str):
        data["sampler"] = {"name": spec}
    cfg = from_dict(SamplerRunConfig, apply_overrides(data, list(overrides)))
    if cfg.codes not in CODES:
        raise ConfigError(f"codes must be one of {', '.join(CODES)}, got {cfg.codes!r}")
    cfg.train.check()
    return cfg


def sampler_dir(run: Run, name: str) -> RunDir:
    """``RUN_DIR/samplers/<name>`` (locked with the run)."""
    return run.dir.child(f"{SAMPLER_DIR}/{name}")


def generate(
    run: Run,
    n: int,
    sampler: str | dict[str, Any] | None = None,
    seed: int = 0,
    refit: bool = False,
    progress: bool = False,
) -> Tensor:
    """``n`` decoded samples ``(n, *shape)``: from the model's prior, or from the latent
    sampler ``sampler`` (fitted first when the run has none, see :func:`fit_sampler`)."""
    if sampler is None:
        torch.manual_seed(seed)
        with phase(f"sampling {n}"):
            return run.model.sample(n)
    fitted = fit_sampler(run, sampler, refit=refit, progress=progress)
    torch.manual_seed(seed)
    with torch.no_grad(), phase(f"sampling {n} from the {sampler} sampler"):
        return run.model.decode(fitted.sample(n))


def fit_sampler(
    run: Run,
    spec: str | dict[str, Any] = "gmm",
    overrides: Sequence[str] = (),
    refit: bool = False,
    progress: bool = False,
) -> LatentSampler:
    """The run's fitted sampler ``spec``: loaded when saved with the same config, else fitted
    on the training codes and saved (under the run's lock)."""
    _require_codes(run)
    cfg = make_sampler_config(spec, overrides)
    name = split_spec(cfg.sampler, "latent sampler")[0]
    SAMPLERS.get(name)
    folder = sampler_dir(run, name)
    if not refit and folder.done("evaluation"):
        return load_sampler(run, name, expected=cfg)
    with folder.lock():
        folder.create(overwrite=True)
        folder.write_config(yaml.safe_dump(dataclasses.asdict(cfg), sort_keys=False))
        device = resolve_device(cfg.train.device)
        run.model.to(device)
        seed_everything(cfg.seed)
        codes = code_splits(run.model, load_data(run.config.data), cfg.codes)
        seed_everything(cfg.seed)
        sampler = build_sampler(cfg, run.model.latent_dim).to(device)
        sampler.fit(codes.train.x.to(device))
        if isinstance(sampler, Trainable):
            Trainer(sampler, codes, cfg.train, folder, cfg.seed, device, progress).fit()
        else:
            folder.write_weights(sampler.state_dict())
            folder.mark_done("weights")
        sampler.eval()
        results = {split: code_nll(sampler, getattr(codes, split)) for split in ("val", "test")}
        folder.write_json(RunDir.RESULTS, {f"{k}_nll": v for k, v in results.items()})
        folder.mark_done("evaluation")
    return sampler


def load_sampler(run: Run, name: str, expected: SamplerRunConfig | None = None) -> LatentSampler:
    """The sampler saved in ``RUN_DIR/samplers/<name>``, in eval mode on the model's device;
    with ``expected``, a sampler saved with another config is refused."""
    folder = sampler_dir(run, name)
    try:
        cfg = from_dict(SamplerRunConfig, folder.read_config())
    except ConfigError as e:
        raise RunDirError(f"{folder / RunDir.CONFIG} is corrupt: {e}") from None
    if expected is not None and (cfg.sampler, cfg.codes) != (expected.sampler, expected.codes):
        raise ConfigError(
            f"{folder} holds a sampler fitted with sampler={cfg.sampler!r}, codes={cfg.codes!r}; "
            "pass --refit to replace it"
        )
    sampler = build_sampler(cfg, run.model.latent_dim)
    folder.load_weights(sampler, "sampler")
    return sampler.to(next(run.model.parameters()).device).eval()


def build_sampler(cfg: SamplerRunConfig, latent_dim: int) -> LatentSampler:
    """The configured sampler for codes of ``latent_dim`` dimensions."""
    try:
        return SAMPLERS.build(cfg.sampler, latent_dim=latent_dim)
    except (TypeError, ValueError) as e:
        if isinstance(e, VaekitError):
            raise
        raise ConfigError(f"sampler: {e}") from None


def _require_codes(run: Run) -> None:
    model = run.model
    if not isinstance(model, HasPosterior):
        raise VaekitError(
            f"a latent sampler needs a model with continuous codes (an AE, WAE or VAE); "
            f"{run.run_dir} holds a {run.config.model.name!r}"
        )
    if model.num_classes:
        raise VaekitError("latent samplers are for unconditional models; this one is conditional")


@torch.no_grad()
def encode_codes(model: Any, data: DataSource, codes: str, batch: int = 256) -> Tensor:
    """One code per example ``(N, D)``: a draw of q(z|x) (``sample``) or its mean."""
    device = next(model.parameters()).device
    model.eval()
    out = []
    for b in iter_batches(data, batch, device):
        q = model.encode(b.x, b.y)
        out.append(mean_of(q) if codes == "mean" else q.sample())
    return torch.cat(out).cpu()


def code_splits(model: Any, data: DataSplits, codes: str) -> DataSplits:
    """The run's splits as codes; a dynamically binarised training split gives one
    binarised draw of each example (torch's global generator, seeded by the caller)."""
    return data.encoded(
        lambda ds: ArrayDataset(encode_codes(model, ds, codes)), (model.latent_dim,)
    )


@torch.no_grad()
def code_nll(sampler: LatentSampler, data: DataSource, batch: int = 1024) -> float:
    """Mean −log p(z) (nats per code) of the codes ``data`` under the sampler."""
    device = next(iter(sampler.buffers())).device
    total = sum(
        -sampler.log_prob(b.x).double().sum().item() for b in iter_batches(data, batch, device)
    )
    return total / max(len(data), 1)
