"""``reported``: each kind of error is one line on stderr with its own exit status."""

import pytest
import typer

from vaekit.api.interrupts import Interrupted
from vaekit.cli.errors import reported
from vaekit.engine import TrainingDiverged
from vaekit.registry import ConfigError


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (ConfigError("bad key"), 2, "error: bad key"),
        (TrainingDiverged("loss is nan"), 1, "error: loss is nan"),
        (Interrupted("interrupted; `vaekit train --resume r` will finish"), 130, None),
        (KeyboardInterrupt(), 130, "error: interrupted"),
        (FileNotFoundError(2, "No such file", "x.yaml"), 2, "error: x.yaml: No such file"),
    ],
)
def test_each_error_is_one_line_with_its_exit_status(error, code, line, capsys):
    @reported
    def command() -> None:
        raise error

    with pytest.raises(typer.Exit) as caught:
        command()
    assert caught.value.exit_code == code
    assert capsys.readouterr().err == f"{line or f'error: {error}'}\n"
