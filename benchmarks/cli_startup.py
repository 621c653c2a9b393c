"""Wall time of the quick commands against ``python -c "import torch"``, interleaved.

Each round runs ``import torch`` and then each command once, each in a fresh process, so
that the machine's drift hits all alike; the medians and the median of the per-round
differences to the torch import are printed, for the wall time and for the CPU time (user
+ system: on a shared, loaded machine the wall time measures the other processes too).
Goal: within 0.3 s of the torch import. The CLI imports with the garbage collector off
(``vaekit/cli/main.py``), so the second row, torch imported the same way, shows what the
commands add over that.

Usage: nice -n 10 python benchmarks/cli_startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

VAEKIT = str(Path(sys.executable).with_name("vaekit"))
COMMANDS = {
    'python -c "import torch"': [sys.executable, "-c", "import torch"],
    "torch, collector off": [sys.executable, "-c", "import gc; gc.disable(); import torch"],
    "vaekit --help": [VAEKIT, "--help"],
    "vaekit models": [VAEKIT, "models"],
    "vaekit datasets": [VAEKIT, "datasets"],
    "vaekit config beta_vae": [VAEKIT, "config", "beta_vae"],
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _seconds(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv``."""
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, argv in COMMANDS.items():
            times[name].append(_seconds(argv))
    base = times['python -c "import torch"']
    print("| command | wall (s) | − torch (s) | CPU (s) | − torch (s) |\n|---|---:|---:|---:|---:|")
    for name, ts in times.items():
        cells = []
        for i in (0, 1):
            diff = statistics.median(t[i] - b[i] for t, b in zip(ts, base, strict=True))
            cells += [f"{statistics.median(t[i] for t in ts):.2f}", f"{diff:+.2f}"]
        print(f"| `{name}` | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
