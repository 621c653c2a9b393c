"""The ``vaekit`` command: every command module registered on one Typer app.

The command modules register themselves on :data:`vaekit.cli.app.app` when imported, in
the order ``--help`` lists them.
"""

# isort: skip_file
from __future__ import annotations

import gc

# Importing torch and the command modules allocates a few hundred thousand long-lived objects,
# and the full collections they trigger cost about 0.1 s of every start-up (measured:
# benchmarks/RESULTS.md, "With the collector off while the CLI imports"). Collect nothing
# while importing, then move what the imports made out of the collector's sight (gc.freeze),
# so that later collections skip it too.
gc.disable()
try:
    from vaekit.cli.app import app
    from vaekit.cli import train, evaluate, images, listing, diagnose, prior, report  # noqa: F401
finally:
    gc.freeze()
    gc.enable()


def main() -> None:
    """Console-script entry point."""
    app()
