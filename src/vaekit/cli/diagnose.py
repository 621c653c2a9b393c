"""``vaekit diagnose RUN_DIR``: collapse and information diagnostics, pictures and a summary."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from vaekit import api
from vaekit.cli.app import DataOpt, Device, QuietOpt, RunDirArg, SplitOpt, app, out_console
from vaekit.cli.errors import reported
from vaekit.progress import shown


@app.command()
@reported
def diagnose(
    run_dir: RunDirArg,
    data: DataOpt = None,
    split: SplitOpt = "test",
    threshold: Annotated[
        float | None,
        typer.Option(help="Active-unit variance threshold (default: eval.active_threshold)."),
    ] = None,
    kl_threshold: Annotated[
        float, typer.Option(help="KL (nats) below which a dimension sits on the prior.")
    ] = 0.01,
    json_: Annotated[bool, typer.Option("--json", help="Print diagnostics.json.")] = False,
    device: Device = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Posterior collapse, information and disentanglement diagnostics; writes PNGs and
    diagnostics.json into the run directory."""
    run = api.load(run_dir, device=device)
    splits = api.load_eval_data(run, data)
    with shown(not quiet):
        result = api.diagnose(
            run, splits, split=split, active_threshold=threshold, kl_threshold=kl_threshold
        )
    if json_:
        print(json.dumps(result.to_dict()))
    else:
        _print_summary(result)


def _nats(value: float | None) -> str:
    return "unavailable" if value is None else f"{value:.3f} nats"


def _print_summary(result: api.Diagnosis) -> None:
    from vaekit.metrics.verdict import COLLAPSED, HEALTHY, PARTIAL

    d = result.diagnostics
    v = d.verdict
    dim = len(d.mean_variance)
    table = Table(
        title=f"diagnostics — {d.split} set ({d.num_examples} examples)", show_header=False
    )
    table.add_row(
        "verdict",
        f"[bold]{v.overall}[/bold]: {len(v.dims(HEALTHY))} healthy, "
        f"{len(v.dims(PARTIAL))} partially collapsed, "
        f"{len(v.dims(COLLAPSED))} collapsed of {dim}",
    )
    table.add_row("KL", _nats(d.kl))
    table.add_row(
        f"active units (Cov > {d.active_threshold:g})",
        f"{len(d.active_dims_mean)} / {dim} mean, {len(d.active_dims_sampled)} / {dim} sampled",
    )
    table.add_row("I(x; z)", _nats(d.mutual_information))
    table.add_row("KL(q(z) ‖ p(z))", _nats(d.marginal_kl))
    mss = d.surgery.get("mss")
    if mss is not None:
        table.add_row(
            "surgery (MSS)",
            f"MI {mss.index_code_mi:.3f} + TC "
            f"{mss.total_correlation:.3f} + dim-wise KL {mss.dimwise_kl:.3f} = "
            f"{mss.kl:.3f} nats",
        )
    if result.disentanglement and result.disentanglement["mig"] is not None:
        table.add_row("MIG", f"{result.disentanglement['mig']:.3f}")
    for key, reason in d.unavailable.items():
        table.add_row(f"{key} unavailable", reason)
    out_console.print(table)
    # paths on lines of their own, never cut, so that they can be copied
    for path in (result.path, *result.pictures.values()):
        out_console.print(f"written: {path}", soft_wrap=True, highlight=False)
