"""The wheel: ``python -m build`` makes one, and installed into a fresh venv (not editable)
it lists models, trains a tiny run on digits and writes a report. This catches package
data left out of the wheel and dependencies missing from pyproject.toml.

To stay around a minute, the fresh venv sees this environment's torch (and only torch)
through a ``.pth`` file instead of unpacking a second copy; pip installs everything else
from vaekit's declared dependencies.
"""

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from vaekit.version import __version__

ROOT = Path(__file__).resolve().parents[1]
TINY = ["data.subset=200", "train.batch_size=32", "eval.nll_samples=2", "eval.num_pictures=4"]


def run(*args, **kwargs):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(list(map(str, args)), capture_output=True, text=True, env=env, **kwargs)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def torch_only(folder: Path) -> Path:
    """A folder with links to this environment's torch and nothing else."""
    torch = metadata.distribution("torch")
    site = Path(torch.locate_file(""))
    folder.mkdir()
    names = {Path(f).parts[0] for f in torch.files or ()} - {"..", "bin"}
    for name in names:
        (folder / name).symlink_to(site / name)
    return folder


@pytest.mark.slow
def test_the_wheel_installs_and_runs(tmp_path):
    pytest.importorskip("build", reason="`pip install build` (in the dev extra)")
    source = tmp_path / "source"  # build from a copy: the tree is left as it was
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    run(
        sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", source, timeout=300
    )
    (wheel,) = (tmp_path / "dist").glob("vaekit-*.whl")
    assert wheel.name.startswith(f"vaekit-{__version__}-")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, timeout=120)
    python, vaekit = venv / "bin" / "python", venv / "bin" / "vaekit"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    (Path(purelib.strip()) / "dev_torch.pth").write_text(f"{torch_only(tmp_path / 'torch')}\n")
    run(python, "-m", "pip", "install", "--quiet", "--no-compile", wheel, timeout=600)

    where = run(python, "-c", "import vaekit; print(vaekit.__file__)")
    assert Path(where.strip()).is_relative_to(venv)  # the wheel's copy, not this tree
    assert run(vaekit, "--version").strip() == f"vaekit {__version__}"
    assert "vqvae_ema" in run(vaekit, "models")
    out = tmp_path / "run"
    sets = [a for s in TINY for a in ("--set", s)]
    run(
        vaekit,
        "train",
        "--model",
        "vae",
        "--data",
        "digits",
        "--epochs",
        "1",
        "--out",
        out,
        *sets,
        timeout=300,
    )
    assert (out / "results.json").is_file()
    run(vaekit, "report", out, "--out", tmp_path / "report.html", timeout=120)  # ships its template
    assert "vaekit report" in (tmp_path / "report.html").read_text()
