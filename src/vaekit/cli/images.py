"""``vaekit sample`` and ``vaekit reconstruct``: images from a run, as a PNG grid or .npy."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
import typer

from vaekit import api
from vaekit.cli.app import DataOpt, Device, QuietOpt, RunDirArg, SplitOpt, app, out_console
from vaekit.cli.errors import fail, reported
from vaekit.progress import shown
from vaekit.protocols import HasCodebook


def _open_for_images(run_dir: Path, n: int, out: Path, overwrite: bool, device: str) -> api.Run:
    """Check -n and --out before the (slow) model load, then load the run."""
    if n < 1:
        fail(f"-n must be >= 1, got {n}")
    if out.suffix not in (".png", ".npy"):
        fail(f"--out must end in .png or .npy, got {out.name!r}")
    if out.exists() and not overwrite:
        fail(f"{out} exists; pass --overwrite to replace it")
    return api.load(run_dir, device=device)


def _writing(run: api.Run, out: Path) -> AbstractContextManager[None]:
    """The run's lock when ``out`` lies inside the run directory; nothing otherwise."""
    inside = out.resolve().is_relative_to(run.run_dir.resolve())
    return run.dir.lock() if inside else nullcontext()


def _write_images(run: api.Run, images: torch.Tensor, out: Path, ncol: int | None = None) -> None:
    from vaekit.files import atomic_write
    from vaekit.viz import save_grid

    with _writing(run, out):
        if out.suffix == ".npy":
            array = images.cpu().numpy()
            atomic_write(out, lambda f: np.save(f, array))
        else:
            save_grid(images, out, ncol=ncol)
    out_console.print(f"wrote {out}", soft_wrap=True, highlight=False)


@app.command()
@reported
def sample(
    run_dir: RunDirArg,
    n: Annotated[int, typer.Option("-n", help="Number of samples.")] = 64,
    out: Annotated[Path, typer.Option(help="Output file: .png grid or .npy array.")] = Path(
        "samples.png"
    ),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    sampler: Annotated[
        str | None,
        typer.Option(
            help="Draw codes from a latent sampler fitted on the run's training codes "
            "(gmm, flow, two_stage_vae) instead of the prior; fitted once and saved in "
            "RUN_DIR/samplers/NAME."
        ),
    ] = None,
    refit: Annotated[bool, typer.Option(help="Fit the --sampler again.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    device: Device = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Draw samples from the prior (or a fitted latent sampler) and decode them."""
    if refit and sampler is None:
        fail("--refit needs --sampler NAME")
    run = _open_for_images(run_dir, n, out, overwrite, device)
    if sampler is None and not run.model.can_sample():
        if isinstance(run.model, HasCodebook):
            fail(
                f"{run_dir} has no code prior to sample from; train one: vaekit train-prior RUN_DIR"
            )
        fail(f"{run_dir} has no prior to sample from; fit a latent sampler: --sampler gmm")
    with _writing(run, out), shown(not quiet):  # the lock first: refused before the work
        images = api.generate(run, n, sampler, seed, refit, progress=not quiet)
    _write_images(run, images, out)


@app.command()
@reported
def reconstruct(
    run_dir: RunDirArg,
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
    b = ds.batch(torch.arange(min(n, len(ds)))).to(next(run.model.parameters()).device)
    recon = run.model.reconstruct(b.x, b.y)
    if out.suffix == ".npy":
        _write_images(run, recon, out)
    else:
        _write_images(run, torch.stack([b.x, recon], 1).flatten(0, 1), out, ncol=16)
