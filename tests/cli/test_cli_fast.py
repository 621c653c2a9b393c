"""The quick commands (``--help``, the listings, ``config``) import neither plotting,
scikit-learn, zuko nor the evaluation stack: everything heavy is imported where used."""

import subprocess
import sys

FORBIDDEN = ("matplotlib", "sklearn", "zuko", "scipy", "vaekit.evaluation", "vaekit.metrics")
COMMANDS = (["--help"], ["models"], ["datasets"], ["config", "beta_vae"], ["config", "vqvae"])

SCRIPT = f"""
import sys
from vaekit.cli.main import app
for args in {COMMANDS!r}:
    try:
        app(args, standalone_mode=False)
    except SystemExit:
        pass
    loaded = [m for m in {FORBIDDEN!r} if m in sys.modules]
    print("LOADED", args, loaded, file=sys.stderr)
"""


def test_quick_commands_do_not_import_the_heavy_stack():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    lines = [line for line in out.stderr.splitlines() if line.startswith("LOADED")]
    assert len(lines) == len(COMMANDS), out.stderr
    for line in lines:
        assert line.endswith("[]"), line
    assert "beta_vae" in out.stdout and "latent_dim" in out.stdout


def test_the_collector_is_back_on_after_the_cli_is_imported():
    # the CLI imports with the garbage collector off; a library user importing it keeps one
    script = "import gc\nimport vaekit.cli.main\nprint(gc.isenabled(), gc.get_freeze_count() > 0)"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.split() == ["True", "True"]
