"""What the commands print: the plan up front, progress on stderr (none with --quiet), and
paths whole on lines of their own even when the output is not a terminal."""

from typer.testing import CliRunner

from vaekit.cli.main import app

TINY = [
    "--data", "digits", "--epochs", "1",
    *("--set", "data.subset=100", "--set", "train.batch_size=50"),
    *("--set", "eval.num_pictures=4", "--set", "model.latent_dim=2"),
    *("--set", "model.encoder.hidden=[16]", "--set", "model.decoder.hidden=[16]"),
]  # fmt: skip


def test_train_says_what_it_will_do_and_prints_whole_paths(tmp_path):
    out = tmp_path / ("a-very-long-folder-name-that-does-not-fit-in-eighty-columns" * 2) / "run"
    result = CliRunner().invoke(app, ["train", *TINY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        f"training 1 epoch on 100 digits examples (data.subset: the training split only) into {out}"
        in result.stderr
    )
    # the tiny model's whole evaluation takes well under MIN_SECONDS: all of it, k = 500
    assert (
        "final evaluation: all 180 test examples, IS-NLL with k=500 (eval.budget=0.25"
        in result.stderr
    )
    assert "IS-NLL, k=500" in result.stderr and "pictures" in result.stderr
    assert f"run directory: {out}\n" in result.stdout
    assert f"samples: {out / 'samples.png'}\n" in result.stdout
    assert "…" not in result.stdout
    quiet = CliRunner().invoke(app, ["evaluate", str(out), "--quiet", "--max-examples", "50"])
    assert quiet.exit_code == 0 and quiet.stderr == "", quiet.output
    assert "num_examples  50\n" in quiet.stdout
    shown = CliRunner().invoke(app, ["evaluate", str(out), "--json"])
    assert shown.stdout.startswith("{") and "IS-NLL, k=500" in shown.stderr
