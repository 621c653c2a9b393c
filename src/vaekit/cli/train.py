"""``vaekit train``: train a model (or resume one) and print the final report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vaekit import api
from vaekit.cli.app import QuietOpt, app, out_console
from vaekit.cli.errors import fail, reported
from vaekit.progress import shown
from vaekit.protocols import HasPosterior


@app.command()
@reported
def train(
    config: Annotated[Path | None, typer.Option("--config", help="YAML config file.")] = None,
    model: Annotated[str | None, typer.Option(help="Model name (see `vaekit models`).")] = None,
    data: Annotated[str | None, typer.Option(help="Dataset name or path.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Number of epochs.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Run directory, used exactly (default: ./runs/<model>-<data>-<timestamp>)."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a config key: key.sub=value.")
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(help="Finish this run directory: the epochs and stages left."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run directory.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Train a model; ends with the test ELBO, IS-NLL, active units and written files.

    Says up front how many epochs it trains and what the final evaluation will cost
    (eval.budget keeps that to about a quarter of the training time). Without --out the
    run goes to ./runs/<model>-<data>-<timestamp>."""
    with shown(not quiet):
        if resume is not None:
            if config or model or data or set_ or out or overwrite:
                fail("--resume takes only --epochs (the rest comes from the run's config.yaml)")
            result = api.resume(resume, epochs=epochs, progress=not quiet)
        else:
            cfg = api.make_config(config, model, data, epochs, set_ or [])
            result = api.train(cfg, out=out, overwrite=overwrite, progress=not quiet)
    if result is not None:  # under torchrun, rank 0 reports
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
    if isinstance(result.run.model, HasPosterior):
        table.add_row("active units", f"{r.active_units} / {result.run.config.model.latent_dim}")
    for key, value in r.extras.items():  # e.g. a quantized model's codebook stats
        if key == "codebook_verdict":
            table.add_row("codebook verdict", f"[bold]{value['overall']}[/bold]: {value['reason']}")
            continue
        table.add_row(
            key.replace("_", " "), f"{value:.4g}" if isinstance(value, float) else str(value)
        )
    table.add_row("epochs, wall time", f"{result.epochs}, {result.seconds:.1f} s")
    out_console.print(table)
    # paths on lines of their own, never cut, so that they can be copied
    out_console.print(f"run directory: {result.run.run_dir}", soft_wrap=True, highlight=False)
    for name, path in result.pictures.items():
        out_console.print(f"{name}: {path}", soft_wrap=True, highlight=False)
