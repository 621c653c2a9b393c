"""``vaekit`` commands: train, evaluate, sample, reconstruct, config, models, datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
import typer
from rich.console import Console
from rich.table import Table

from vaekit import api
from vaekit.cli.errors import fail, reported

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Variational autoencoders and their relatives: train, evaluate, sample.",
)
out_console = Console()

RunDir = Annotated[Path, typer.Argument(help="A run directory written by `vaekit train`.")]
DataOpt = Annotated[
    str | None, typer.Option("--data", help="Dataset name or path (default: the run's data).")
]
Device = Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")]
SplitOpt = Annotated[str, typer.Option(help="train, val or test.")]


@app.command()
@reported
def train(
    config: Annotated[Path | None, typer.Option("--config", help="YAML config file.")] = None,
    model: Annotated[str | None, typer.Option(help="Model name (see `vaekit models`).")] = None,
    data: Annotated[str | None, typer.Option(help="Dataset name or path.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Number of epochs.")] = None,
    out: Annotated[Path | None, typer.Option(help="Run directory (exactly this path).")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a config key: key.sub=value.")
    ] = None,
    resume: Annotated[Path | None, typer.Option(help="Continue this run directory.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run directory.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Train a model; ends with the test ELBO, IS-NLL, active units and written files."""
    if resume is not None:
        if config or model or data or set_ or out or overwrite:
            fail("--resume takes only --epochs (the rest comes from the run's config.yaml)")
        result = api.resume(resume, epochs=epochs, progress=not quiet)
    else:
        cfg = api.make_config(config, model, data, epochs, set_ or [])
        result = api.train(cfg, out=out, overwrite=overwrite, progress=not quiet)
    _print_report(result)


def _print_report(result: api.TrainResult) -> None:
    r = result.results
    table = Table(
        title=f"{result.run.config.model.name} on {result.run.meta['data']} — "
        f"{r.split} set ({r.num_examples} examples)",
        show_header=False,
    )
    if r.elbo is not None:
        table.add_row("test ELBO (nats)", f"{r.elbo:.2f}")
    if r.nll is not None:
        table.add_row(f"test NLL, IS k={r.nll_samples} (nats)", f"{r.nll:.2f}")
        table.add_row("bits per dim", f"{r.bits_per_dim:.4f}")
    table.add_row("reconstruction (nats)", f"{r.recon:.2f}")
    if r.kl is not None:
        table.add_row("KL (nats)", f"{r.kl:.2f}")
    if not hasattr(result.run.model, "quantizer"):
        table.add_row("active units", f"{r.active_units} / {result.run.config.model.latent_dim}")
    for key, value in r.extras.items():  # e.g. a quantized model's codebook stats
        table.add_row(
            key.replace("_", " "), f"{value:.4g}" if isinstance(value, float) else str(value)
        )
    table.add_row("epochs, wall time", f"{result.epochs}, {result.seconds:.1f} s")
    table.add_row("run directory", str(result.run.run_dir))
    for name, path in result.pictures.items():
        table.add_row(name, str(path))
    out_console.print(table)


@app.command()
@reported
def evaluate(
    run_dir: RunDir,
    data: DataOpt = None,
    split: SplitOpt = "test",
    nll_samples: Annotated[
        int | None, typer.Option(help="Importance samples per input for the NLL.")
    ] = None,
    metrics: Annotated[
        str, typer.Option(help="Comma-separated extra metrics (e.g. mig,dci).")
    ] = "",
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    device: Device = "auto",
) -> None:
    """Evaluate a run: ELBO, reconstruction, KL (per dimension), active units, IS-NLL."""
    names = [m.strip() for m in metrics.split(",") if m.strip()]
    run = api.load(run_dir, device=device)
    splits = api.load_eval_data(run, data)
    result = api.evaluate(run, data=splits, split=split, nll_samples=nll_samples, metrics=names)
    picture = api.draw_codebook_usage(run, splits, split)  # None unless quantized
    if json_:
        print(json.dumps(result.to_dict()))
        return
    for key, value in result.to_dict().items():
        out_console.print(f"{key:>16}  {_readable(value)}", highlight=False)
    if picture is not None:
        out_console.print(f"{'codebook picture':>16}  {picture}")


def _readable(value: object) -> str:
    """A result value on one line: floats to 4 decimals, lists and nested metrics spelled out."""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return " ".join(_readable(v) if not isinstance(v, float) else f"{v:.2f}" for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_readable(v)}" for k, v in value.items())
    return str(value)


def _open_for_images(run_dir: Path, n: int, out: Path, overwrite: bool, device: str) -> api.Run:
    """Check -n and --out before the (slow) model load, then load the run."""
    if n < 1:
        fail(f"-n must be >= 1, got {n}")
    if out.suffix not in (".png", ".npy"):
        fail(f"--out must end in .png or .npy, got {out.name!r}")
    if out.exists() and not overwrite:
        fail(f"{out} exists; pass --overwrite to replace it")
    return api.load(run_dir, device=device)


def _write_images(images: torch.Tensor, out: Path, ncol: int | None = None) -> None:
    from vaekit.files import atomic_write
    from vaekit.viz import save_grid

    if out.suffix == ".npy":
        array = images.cpu().numpy()
        atomic_write(out, lambda f: np.save(f, array))
    else:
        save_grid(images, out, ncol=ncol)
    out_console.print(f"wrote {out}")


@app.command()
@reported
def sample(
    run_dir: RunDir,
    n: Annotated[int, typer.Option("-n", help="Number of samples.")] = 64,
    out: Annotated[Path, typer.Option(help="Output file: .png grid or .npy array.")] = Path(
        "samples.png"
    ),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    device: Device = "auto",
) -> None:
    """Draw samples from the prior and decode them."""
    run = _open_for_images(run_dir, n, out, overwrite, device)
    torch.manual_seed(seed)
    _write_images(run.model.sample(n), out)


@app.command()
@reported
def reconstruct(
    run_dir: RunDir,
    data: DataOpt = None,
    split: SplitOpt = "test",
    n: Annotated[int, typer.Option("-n", help="Number of inputs.")] = 32,
    out: Annotated[Path, typer.Option(help="Output file: .png grid or .npy array.")] = Path(
        "reconstructions.png"
    ),
    overwrite: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    device: Device = "auto",
) -> None:
    """Reconstruct inputs (PNG: originals and reconstructions side by side)."""
    run = _open_for_images(run_dir, n, out, overwrite, device)
    ds = api.split_of(api.load_eval_data(run, data), split)
    param = next(run.model.parameters())
    x, y = ds.batch(torch.arange(min(n, len(ds))))
    x, y = x.to(param.device), None if y is None else y.to(param.device)
    recon = run.model.reconstruct(x, y)
    if out.suffix == ".npy":
        _write_images(recon, out)
    else:
        _write_images(torch.stack([x, recon], 1).flatten(0, 1), out, ncol=16)


@app.command("config")
@reported
def config_cmd(model: Annotated[str, typer.Argument(help="Model name.")]) -> None:
    """Print a model's full default config as YAML."""
    print(api.default_config(model).to_yaml(), end="")


@app.command()
@reported
def models() -> None:
    """List every model with a one-line description."""
    from vaekit.models import MODELS

    _listing(MODELS.describe())


@app.command()
@reported
def datasets() -> None:
    """List the named datasets (a path to .npy/.npz, MNIST IDX or an image folder also works)."""
    from vaekit.data import DATASETS

    _listing(DATASETS.describe())


def _listing(items: dict[str, str]) -> None:
    width = max(map(len, items))
    for name, description in items.items():
        print(f"{name:<{width}}  {description}")


def main() -> None:
    """Console-script entry point."""
    app()


from vaekit.cli import diagnose, prior  # noqa: E402, F401  (register their commands on app)
