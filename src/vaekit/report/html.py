"""``vaekit report``: several runs side by side in one self-contained HTML file.

The page is rendered from the Jinja2 template ``templates/report.html.j2`` (package data);
pictures are embedded as base64 PNG, so the file opens from disk with no network.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from vaekit import files
from vaekit.progress import phase
from vaekit.registry import VaekitError
from vaekit.report.plots import curves_png
from vaekit.report.runs import RunSummary, load_runs
from vaekit.report.tables import config_table, fmt, metrics_table
from vaekit.rundir import RunDirError
from vaekit.version import __version__

TEMPLATE = "report.html.j2"


MIN_WIDTH = 320  # CSS pixels: smaller pictures (8×8 digit grids) are scaled up by a whole factor


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _picture(caption: str, path: Path) -> dict[str, Any]:
    """A run's PNG for the template: caption, data URI and display width."""
    png = path.read_bytes()
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        raise RunDirError(f"{path} is corrupt: not a PNG")
    width = int.from_bytes(png[16:20], "big")  # the IHDR chunk's width
    return {"caption": caption, "uri": _data_uri(png), "width": width * max(1, MIN_WIDTH // width)}


def render(runs: Sequence[RunSummary]) -> str:
    """The report's HTML for ``runs`` (at least one)."""
    if not runs:
        raise VaekitError("a report needs at least one run directory")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vaekit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    columns, metric_rows = metrics_table(runs)
    keys, config_rows, num_differ = config_table(runs)
    curves = curves_png(runs)
    return env.get_template(TEMPLATE).render(
        runs=runs,
        columns=columns,
        metric_rows=metric_rows,
        config_keys=keys,
        config_rows=config_rows,
        num_differ=num_differ,
        curves=None if curves is None else _data_uri(curves),
        pictures=[[_picture(caption, p) for caption, p in run.pictures] for run in runs],
        fmt=fmt,
        version=__version__,
        created=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_report(run_dirs: Sequence[str | Path], out: str | Path) -> Path:
    """Read every run directory, then write the report to ``out`` (atomically)."""
    with phase(f"reading {len(run_dirs)} runs"):
        runs = load_runs(run_dirs)
    with phase("drawing the report"):
        html = render(runs)
    out = Path(out)
    files.write_text(out, html)
    return out
