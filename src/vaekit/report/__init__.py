"""Reports of finished (or killed) runs: ``vaekit report`` puts several run directories
side by side in one self-contained HTML page."""

from vaekit.report.html import render, write_report
from vaekit.report.runs import NotARunError, RunSummary, load_run, load_runs

__all__ = ["NotARunError", "RunSummary", "load_run", "load_runs", "render", "write_report"]
