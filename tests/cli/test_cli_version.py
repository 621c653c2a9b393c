"""``vaekit --version``: the installed package's version."""

import subprocess
import sys

from vaekit.version import __version__


def test_version():
    proc = subprocess.run(
        [sys.executable, "-m", "vaekit", "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"vaekit {__version__}\n"
