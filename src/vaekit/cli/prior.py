"""``vaekit train-prior``: fit a prior over a quantized run's codes so that it can sample."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from vaekit import api
from vaekit.cli.app import QuietOpt, RunDirArg, app, out_console
from vaekit.cli.errors import reported
from vaekit.ops import nats_to_bits_per_dim
from vaekit.progress import shown


@app.command("train-prior")
@reported
def train_prior(
    run_dir: RunDirArg,
    epochs: Annotated[int | None, typer.Option(help="Number of epochs (default 20).")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a prior config key: prior.layers=4, train.lr=3e-4."),
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue RUN_DIR/prior's checkpoint.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace a trained prior.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Train a prior over a quantized run's codes into RUN_DIR/prior, so it can sample."""
    run = api.load(run_dir, device="cpu")  # moved to the prior's train.device (default auto)
    with shown(not quiet):
        result = api.train_prior(
            run,
            epochs=epochs,
            overrides=set_ or [],
            resume=resume,
            overwrite=overwrite,
            progress=not quiet,
        )
    table = Table(title=f"prior over the codes of {run.run_dir}", show_header=False)
    table.add_row("code sequence length", str(result.code_length))
    for split, nll in (("val", result.val_nll), ("test", result.test_nll)):
        bits = nats_to_bits_per_dim(nll, result.code_length)
        table.add_row(f"{split} NLL of codes (nats)", f"{nll:.2f}  ({bits:.3f} bits per code)")
    table.add_row("epochs, wall time", f"{result.epochs}, {result.seconds:.1f} s")
    out_console.print(table)
    # paths on lines of their own, never cut, so that they can be copied
    lines = [f"prior directory: {result.prior_dir}"]
    if result.samples is not None:
        lines.append(f"samples: {result.samples}")
    lines.append(f"next: vaekit sample {run.run_dir}; vaekit evaluate {run.run_dir}")
    for line in lines:
        out_console.print(line, soft_wrap=True, highlight=False)
