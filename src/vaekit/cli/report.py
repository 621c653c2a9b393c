"""``vaekit report``: several runs side by side in one HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vaekit.cli.app import QuietOpt, app
from vaekit.cli.errors import reported
from vaekit.progress import shown


@app.command()
@reported
def report(
    run_dirs: Annotated[
        list[Path], typer.Argument(help="Run directories written by `vaekit train`.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    quiet: QuietOpt = False,
) -> None:
    """One self-contained HTML page comparing runs: configs and their differences, final
    metrics with the best marked, overlaid training curves, pictures, collapse verdicts."""
    from vaekit.report import write_report  # here: matplotlib and jinja2 load on use

    with shown(not quiet):
        path = write_report(run_dirs, out)
    print(f"report: {path.resolve()}")
