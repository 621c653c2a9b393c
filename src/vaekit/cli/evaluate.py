"""``vaekit evaluate``: the built-in report and named metrics of a run, as a table or JSON."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from vaekit import api
from vaekit.cli.app import DataOpt, Device, QuietOpt, RunDirArg, SplitOpt, app, out_console
from vaekit.cli.errors import reported
from vaekit.progress import shown


@app.command()
@reported
def evaluate(
    run_dir: RunDirArg,
    data: DataOpt = None,
    split: SplitOpt = "test",
    nll_samples: Annotated[
        int | None, typer.Option(help="Importance samples per input for the NLL.")
    ] = None,
    metrics: Annotated[
        str, typer.Option(help="Comma-separated extra metrics (e.g. mig,dci).")
    ] = "",
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the evaluation's random draws.")] = 0,
    max_examples: Annotated[
        int | None,
        typer.Option(help="Evaluate at most N examples (default: eval.max_examples; 0: all)."),
    ] = None,
    device: Device = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Evaluate a run: ELBO, reconstruction, KL (per dimension), active units, IS-NLL, and
    a quantized run's codebook verdict; on the run's eval.max_examples (saved by training:
    a short run's final evaluation is budgeted)."""
    names = [m.strip() for m in metrics.split(",") if m.strip()]
    run = api.load(run_dir, device=device)
    splits = api.load_eval_data(run, data)
    with shown(not quiet):
        result = api.evaluate(
            run,
            data=splits,
            split=split,
            nll_samples=nll_samples,
            metrics=names,
            seed=seed,
            max_examples=max_examples,
        )
        picture = api.draw_codebook_usage(run, splits, split)  # None unless quantized
    if json_:
        print(json.dumps(result.to_dict()))
        return
    for key, value in result.to_dict().items():
        if key == "codebook_verdict":  # the label, then the numbers behind it
            value = f"{value['overall']}: {value['reason']}"
        out_console.print(f"{key:>16}  {_readable(value)}", highlight=False, soft_wrap=True)
    if picture is not None:
        out_console.print(f"{'codebook picture':>16}  {picture}", highlight=False, soft_wrap=True)


def _readable(value: object) -> str:
    """A result value on one line: floats to 4 decimals, lists and nested metrics spelled out."""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return " ".join(_readable(v) if not isinstance(v, float) else f"{v:.2f}" for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_readable(v)}" for k, v in value.items())
    return str(value)
