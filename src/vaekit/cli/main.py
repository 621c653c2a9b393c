"""The ``vaekit`` command: every command module registered on one Typer app.

The command modules register themselves on :data:`vaekit.cli.app.app` when imported, in
the order ``--help`` lists them.
"""

# isort: skip_file
from __future__ import annotations

from vaekit.cli.app import app
from vaekit.cli import train, evaluate, images, listing, diagnose, prior, report  # noqa: F401


def main() -> None:
    """Console-script entry point."""
    app()
