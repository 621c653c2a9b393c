"""``vaekit config``, ``vaekit models``, ``vaekit datasets``: what there is to choose from."""

from __future__ import annotations

from typing import Annotated

import typer

from vaekit import api
from vaekit.cli.app import app
from vaekit.cli.errors import reported


@app.command("config")
@reported
def config_cmd(model: Annotated[str, typer.Argument(help="Model name.")]) -> None:
    """Print a model's full default config as YAML."""
    print(api.default_config(model).to_yaml(), end="")


@app.command()
@reported
def models() -> None:
    """List every model with a one-line description."""
    from vaekit.models import MODELS

    _listing(MODELS.describe())


@app.command()
@reported
def datasets() -> None:
    """List the named datasets (a path to .npy/.npz, MNIST IDX or an image folder also works)."""
    from vaekit.data import DATASETS

    _listing(DATASETS.describe())


def _listing(items: dict[str, str]) -> None:
    width = max(map(len, items))
    for name, description in items.items():
        print(f"{name:<{width}}  {description}")
