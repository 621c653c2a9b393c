"""Training throughput of one VAE config: 1 process against 2 gloo processes under
``torchrun``, and ``train.compile`` / ``train.precision=bf16`` on and off.

Each setting is a fresh ``vaekit train`` (``api.train``; evaluation and pictures off) of
``--epochs`` epochs; samples/s is the training examples of every epoch after the first
(compilation and warm-up) over rank 0's training time of those epochs (``metrics.csv``'s
``time_s``; under DDP rank 0's time includes waiting for the gradient all-reduce). Settings
run in turn, ``--rounds`` times, so the VM's drift spreads over all of them.

Each process gets ``--threads`` torch threads (default: the cores divided among the
processes; on a loaded machine 1 avoids OpenMP's spin-waiting between threads).

Usage: python benchmarks/scaling.py [--epochs 4] [--rounds 2] [--data mnist5k]
       [--settings 1,2,compile,bf16] [--threads N]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# the small engine-benchmark VAE: one 512-unit hidden layer each way, 16 latents
MODEL = [
    "model.encoder.hidden=[512]",
    "model.decoder.hidden=[512]",
    "model.latent_dim=16",
    "train.batch_size=128",
    "eval.nll_samples=0",
    "eval.num_pictures=0",
    "eval.max_examples=100",
]
SETTINGS = {
    "1": (1, []),
    "2": (2, []),
    "compile": (1, ["train.compile=true"]),
    "bf16": (1, ["train.precision=bf16"]),
}


def worker(out: str, data: str, epochs: int, extra: list[str]) -> None:
    """One rank: train, then rank 0 prints samples/s of the epochs after the first."""
    from vaekit import api
    from vaekit.data import load_data

    cfg = api.make_config(model="vae", data=data, epochs=epochs, overrides=[*MODEL, *extra])
    result = api.train(cfg, out=out, progress=False)
    if result is None:
        return
    with open(Path(out) / "metrics.csv") as f:
        times = [float(row["time_s"]) for row in csv.DictReader(f)][1:]
    n = len(load_data(cfg.data).train)
    print(f"SAMPLES_PER_S {n * len(times) / sum(times):.1f}")


def run(setting: str, data: str, epochs: int, threads: int | None) -> float:
    procs, extra = SETTINGS[setting]
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "run")
        args = [__file__, "--worker", out, "--data", data, "--epochs", str(epochs), *extra]
        if procs > 1:
            cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
            cmd += [f"--nproc-per-node={procs}", *args]
        else:
            cmd = [sys.executable, *args]
        threads = threads or max(1, (os.cpu_count() or 2) // procs)
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("SAMPLES_PER_S")]
        if done.returncode or not lines:
            raise SystemExit(f"{setting} failed:\n{done.stderr[-3000:]}")
        return float(lines[0].split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", default="mnist5k")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--settings", default="1,2,compile,bf16")
    parser.add_argument("--threads", type=int, default=None, help="torch threads per process")
    args, extra = parser.parse_known_args()
    if args.worker:
        worker(args.worker, args.data, args.epochs, extra)
        return
    names = args.settings.split(",")
    seen: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            seen[name].append(run(name, args.data, args.epochs, args.threads))
            print(f"{name:>8}: {seen[name][-1]:9.1f} samples/s", flush=True)
    print(f"\nmedian samples/s over {args.rounds} round(s), {args.epochs} epochs each:")
    for name, values in seen.items():
        procs, extra = SETTINGS[name]
        what = f"{procs} process(es) {' '.join(extra)}".strip()
        print(f"  {what:<42} {statistics.median(values):9.1f}")


if __name__ == "__main__":
    main()
