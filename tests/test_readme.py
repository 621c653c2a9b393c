"""Every command the README shows runs, in order, with shortened settings: the README
cannot drift from the CLI (the commands come from ``benchmarks/readme_commands.py``)."""

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vaekit.cli.main import app

_SPEC = importlib.util.spec_from_file_location(
    "readme_commands", Path(__file__).resolve().parents[1] / "benchmarks" / "readme_commands.py"
)
readme = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(readme)

TINY = ["data.subset=200", "train.batch_size=32", "eval.nll_samples=2", "eval.num_pictures=4"]
DSPRITES = "data.options.n=300"  # images generated, of 737 280
QUIET = {"train", "evaluate", "diagnose", "sample", "train-prior"}
# a complete run has nothing left to resume: the README's `--resume DIR` line says so
EXPECTED_ERRORS = {("train", "--resume", "runs/bvae"): "nothing to do"}


def shortened(args: list[str]) -> list[str]:
    """``args`` with one epoch, a few examples and few importance samples."""
    args = list(args)
    for option, value in (("--epochs", "1"), ("--nll-samples", "2")):
        if option in args:
            args[args.index(option) + 1] = value
    if args[0] == "train" and "--resume" in args and "--epochs" in args:
        args[args.index("--epochs") + 1] = "2"  # one more than the run has
    if args[0] == "train" and "--resume" not in args:
        args += ["--epochs", "1"]
        for item in TINY + ([DSPRITES] if "dsprites" in args else []):
            args += ["--set", item]
    return args + (["--quiet"] if args[0] in QUIET else [])


def test_the_readme_lists_the_commands_it_should():
    commands = [" ".join(c[:2]) for c in readme.readme_commands()]
    for expected in ("train --out", "models", "evaluate runs/bvae", "train-prior runs/vq"):
        assert expected in commands


@pytest.mark.slow
def test_every_readme_command_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in readme.readme_commands():
        readme.write_inputs(args, tmp_path)
        redirect = None
        if len(args) > 2 and args[-2] == ">":
            redirect, args = args[-1], args[:-2]
        result = runner.invoke(app, shortened(args))
        expected = EXPECTED_ERRORS.get(tuple(args))
        if expected is not None:
            assert result.exit_code == 2 and expected in result.output, result.output
            continue
        assert result.exit_code == 0, f"vaekit {' '.join(args)}:\n{result.output}"
        if redirect is not None:
            Path(redirect).write_text(result.stdout)
