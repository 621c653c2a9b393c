"""The Typer application every command module registers on, and the options they share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Variational autoencoders and their relatives: train, evaluate, sample.",
)
out_console = Console()


def _print_version(value: bool) -> None:
    if value:
        from importlib import metadata

        try:
            found = metadata.version("vaekit")  # the installed package's metadata
        except metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
            from vaekit.version import __version__ as found
        print(f"vaekit {found}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Options before the command (``vaekit --version``)."""


RunDirArg = Annotated[Path, typer.Argument(help="A run directory written by `vaekit train`.")]
DataOpt = Annotated[
    str | None, typer.Option("--data", help="Dataset name or path (default: the run's data).")
]
Device = Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")]
SplitOpt = Annotated[str, typer.Option(help="train, val or test.")]
QuietOpt = Annotated[bool, typer.Option(help="No progress bars or status lines.")]
