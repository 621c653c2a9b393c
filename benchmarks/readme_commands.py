"""Every ``vaekit`` command the README shows, run in order in a scratch folder and timed.

The commands come from the README's ``bash`` blocks (continuation lines joined, comments
dropped, ``A && vaekit ...`` reduced to the vaekit part, ``> FILE`` kept as a redirect).
Files a command reads but the README does not make (``other.npz``: data of the model's
input shape) are written first. ``tests/test_readme.py`` runs the same list with shortened
settings so that the README cannot drift from the CLI; this script runs them as written,
for the table of wall times in the README.

Besides the wall time it prints the CPU time (user + system) of each command: on a shared,
loaded machine that is the honest measure, and on an idle 2-core machine the wall time
lies between half of it (both cores busy) and all of it. The last column is the time of
the evaluation phase as the command itself reports it (its "✓ evaluation on ..." line;
for ``train``, the final evaluation, which ``eval.budget`` bounds), and each command's
stderr is kept in ``WORKDIR/logs/``.

Usage: nice -n 10 python benchmarks/readme_commands.py [--skip SUBSTRING] [--timeout 1200]
       [--workdir DIR]
"""

from __future__ import annotations

import argparse
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
EVALUATION = re.compile(r"✓ evaluation on .*?(\d+:\d\d:\d\d)")


def readme_commands(readme: Path = README) -> list[list[str]]:
    """The argument lists (after ``vaekit``) of every vaekit command in the README's bash
    blocks, in order; a redirect stays as the two last items ``[">", FILE]``."""
    commands = []
    for block in BLOCK.findall(readme.read_text()):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            segments: list[list[str]] = [[]]
            for word in words:
                if word == "&&":
                    segments.append([])
                else:
                    segments[-1].append(word)
            commands += [s[1:] for s in segments if s and Path(s[0]).name == "vaekit"]
    return commands


def write_inputs(args: list[str], folder: Path) -> None:
    """Write what a command reads that no README command makes: ``other.npz``, data of
    the shape of the run it evaluates."""
    if "other.npz" in args and not (folder / "other.npz").exists():
        import json

        import numpy as np

        shape = json.loads((folder / args[1] / "meta.json").read_text())["input_shape"]
        x = (np.random.default_rng(0).random((60, *shape)) > 0.5).astype(np.float32)
        np.savez(folder / "other.npz", x=x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default=None, help="Skip commands containing this.")
    parser.add_argument("--timeout", type=float, default=1200, help="Seconds per command.")
    parser.add_argument("--workdir", type=Path, default=None, help="Scratch folder to use.")
    a = parser.parse_args()
    folder = a.workdir or Path(tempfile.mkdtemp(prefix="vaekit-readme-"))
    folder.mkdir(parents=True, exist_ok=True)
    vaekit = str(Path(sys.executable).with_name("vaekit"))
    (folder / "logs").mkdir(exist_ok=True)
    print(
        f"in {folder}\n| command | wall (s) | CPU (s) | exit | evaluation (s) |\n"
        "|---|---:|---:|---:|---:|",
        flush=True,
    )
    for i, args in enumerate(readme_commands()):
        shown = "vaekit " + shlex.join(args)
        if a.skip is not None and a.skip in shown:
            continue
        write_inputs(args, folder)
        out = None
        if len(args) > 2 and args[-2] == ">":
            out, args = folder / args[-1], args[:-2]
        start, cpu = time.perf_counter(), _children_cpu()
        evaluation = ""
        try:
            done = subprocess.run(
                [vaekit, *args], cwd=folder, capture_output=True, text=True, timeout=a.timeout
            )
            code: int | str = done.returncode
            if code:
                code = f"{code}: {(done.stderr.strip().splitlines() or [''])[-1]}"
            if out is not None:
                out.write_text(done.stdout)
            (folder / "logs" / f"{i:02d}.txt").write_text(f"{shown}\n{done.stderr}")
            evaluation = _evaluation_seconds(done.stderr)
        except subprocess.TimeoutExpired:
            code = f"timeout {a.timeout:g} s"
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
        print(f"| `{shown}` | {wall:.1f} | {cpu:.1f} | {code} | {evaluation} |", flush=True)


def _evaluation_seconds(stderr: str) -> str:
    """The seconds of the evaluation phase a command reported (``""`` if none)."""
    found = EVALUATION.search(stderr)
    if found is None:
        return ""
    h, m, sec = map(int, found.group(1).split(":"))
    return str(3600 * h + 60 * m + sec)


def _children_cpu() -> float:
    """User + system seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
