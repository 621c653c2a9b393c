"""Codebook benchmark (issues 4 and 13): one conv autoencoder, every quantizer, a step budget.

The same ``conv_grid`` encoder/decoder (32 channels; latent vectors of size 16 on a 7×7
grid for mnist5k, 8×8 for 64×64 dSprites), data, Adam (lr 1e-3), batch 64 and number of
optimizer steps (``--steps``, rounded up to whole epochs) for every quantizer at codebook
sizes 512 and 4,096 (FSQ and LFQ: implicit codebooks of the same size), for each seed.
Only the quantizer changes. Measured on the test split: codebook usage (fraction of codes
used at least once; per stage/group for residual/grouped), normalised perplexity
(perplexity / K), the entropy of the code histogram in bits, dead codes, the codebook
verdict, reconstruction (−log p(x | z_q), nats per image) and MSE per pixel; training
samples/s is the median epoch's. Grey mnist5k is used as is (``binarize=none``,
Bernoulli cross-entropy); dSprites is binary.

Runs go to ``--jobs`` worker processes of one torch thread each; rows already in
``--json`` are kept and not run again, so an interrupted benchmark resumes.

Usage: python benchmarks/quantizers.py [--steps 2000] [--seeds 0 1] [--sizes 512 4096]
           [--data mnist5k dsprites] [--dsprites-n 4000] [--only vq fsq] [--jobs 2]
           [--gpu] [--json out.json]

``--gpu``: the GPU budget, 20,000 steps per run on ``cuda`` unless ``--steps`` says
otherwise (the papers train for 10⁴–10⁵ steps).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from vaekit.config import DataConfig, EvalConfig, TrainConfig
from vaekit.data import load_data
from vaekit.engine import Trainer, resolve_device, seed_everything
from vaekit.evaluation.report import evaluate_model
from vaekit.models import QuantizedConfig
from vaekit.rundir import RunDir

BATCH = 64
GPU_STEPS = 20_000


def quantizers(k: int) -> dict[str, dict[str, Any]]:
    """Label → quantizer spec at codebook size ``k`` (FSQ/LFQ: implicit codebooks of size k)."""
    fsq_levels = {512: [8, 8, 8], 4096: [8, 8, 8, 8]}.get(k)
    specs: dict[str, dict[str, Any]] = {
        "vq (STE)": {"name": "vq", "codebook_size": k},
        "vq + uniform init": {"name": "vq", "codebook_size": k, "init": "uniform"},
        "vq + kmeans init": {"name": "vq", "codebook_size": k, "init": "kmeans"},
        "vq_ema + dead-code reset": {
            "name": "vq",
            "codebook_size": k,
            "update": "ema",
            "reseed_dead": True,
        },
        "rotation_vq": {"name": "rotation_vq", "codebook_size": k},
        "cvq": {"name": "cvq", "codebook_size": k},
        "simvq": {"name": "simvq", "codebook_size": k},
        "residual_vq (4 stages)": {"name": "residual_vq", "codebook_size": k},
        "grouped_vq (2 groups)": {"name": "grouped_vq", "codebook_size": k},
        "lfq": {"name": "lfq", "codebook_size": k},
    }
    if fsq_levels is not None:
        specs["fsq " + "".join(map(str, fsq_levels))] = {"name": "fsq", "levels": fsq_levels}
    return specs


DATASETS = {
    "mnist5k": (DataConfig(name="mnist5k", binarize="none"), 2),
    "dsprites": (DataConfig(name="dsprites", binarize="none", options={"n": 4000}), 3),
}


def run_one(job: dict[str, Any]) -> dict[str, Any]:
    """Train one quantized autoencoder for ``job["steps"]`` steps; measure it on the test split."""
    torch.set_num_threads(job["threads"])
    device = torch.device(job["device"])
    data_cfg, stages = DATASETS[job["data"]]
    if job["data"] == "dsprites":
        data_cfg = replace(data_cfg, options={"n": job["dsprites_n"]})
    data = load_data(data_cfg)
    seed_everything(job["seed"])
    cfg = QuantizedConfig(
        latent_dim=16,
        encoder={"name": "conv_grid", "channels": 32, "stages": stages},
        decoder={"name": "conv_grid", "channels": 32},
        quantizer=job["spec"],
    )
    model = cfg.build(data.shape).to(device)
    epochs = math.ceil(job["steps"] / math.ceil(len(data.train) / BATCH))
    train = TrainConfig(epochs=epochs, batch_size=BATCH, lr=1e-3, log_every=1000)
    with tempfile.TemporaryDirectory() as tmp:
        state = Trainer(model, data, train, RunDir(tmp), job["seed"], device, progress=False).fit()
    epoch_time = statistics.median(row["time_s"] for row in state.history)
    r = evaluate_model(model, data.test, EvalConfig(), "test")
    x = r.extras
    return {
        **{k: job[k] for k in ("data", "quantizer", "seed")},
        "steps": state.step,
        "codebook_size": x["codebook_size"],
        "usage": x["codebook_usage"],
        "perplexity": x["perplexity"],
        "perplexity_norm": x["perplexity_norm"],
        "entropy_bits": x["code_entropy_bits"],
        "dead_codes": x["dead_codes"],
        "verdict": x["codebook_verdict"]["overall"],
        "recon": r.recon,
        "mse": x["mse"],
        "samples_per_s": len(data.train) / epoch_time,
    }


def _key(row: dict[str, Any]) -> tuple[str, str, int, int]:
    return row["data"], row["quantizer"], row["codebook_size"], row["seed"]


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown table: the mean over seeds, ± half the spread between them."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(_key(r)[:3], []).append(r)
    lines = [
        "| data | quantizer | K | usage | perplexity/K | entropy (bits) | recon (nats) | MSE "
        "| samples/s | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]

    def cell(group: list[dict[str, Any]], key: str, fmt: str, scale: float = 1.0) -> str:
        values = [g[key] * scale for g in group]
        mean, half = statistics.fmean(values), (max(values) - min(values)) / 2
        return f"{mean:{fmt}}" + (f" ± {half:{fmt}}" if len(values) > 1 else "")

    for (data, label, k), g in groups.items():
        verdicts = "/".join(sorted({r["verdict"] for r in g}))
        lines.append(
            f"| {data} | {label} | {k} | {cell(g, 'usage', '.1f', 100)}% | "
            f"{cell(g, 'perplexity_norm', '.3f')} | {cell(g, 'entropy_bits', '.2f')} | "
            f"{cell(g, 'recon', '.1f')} | {cell(g, 'mse', '.4f')} | "
            f"{statistics.fmean(r['samples_per_s'] for r in g):.0f} | {verdicts} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps per run")
    parser.add_argument("--gpu", action="store_true", help=f"cuda, {GPU_STEPS:,} steps a run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 4096])
    parser.add_argument("--data", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--dsprites-n", type=int, default=4000, help="dSprites images kept")
    parser.add_argument("--only", nargs="*", help="labels starting with these words")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (1 thread each)")
    parser.add_argument("--json", type=Path, default=None, help="rows; existing ones are kept")
    args = parser.parse_args()
    device = "cuda" if args.gpu else str(resolve_device("auto"))
    steps = args.steps or (GPU_STEPS if args.gpu else 2000)
    rows = json.loads(args.json.read_text()) if args.json and args.json.exists() else []
    done = {_key(r) for r in rows}
    jobs = [
        {
            "data": name,
            "quantizer": label,
            "spec": spec,
            "seed": seed,
            "steps": steps,
            "device": device,
            "dsprites_n": args.dsprites_n,
            "threads": 1 if args.jobs > 1 else torch.get_num_threads(),
        }
        for name in args.data
        for k in args.sizes
        for label, spec in quantizers(k).items()
        if not args.only or any(label.startswith(w) for w in args.only)
        for seed in args.seeds
        if (name, label, k, seed) not in done
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        for row in pool.map(run_one, jobs):
            rows.append(row)
            print(
                f"{row['data']} {row['quantizer']} K={row['codebook_size']} seed {row['seed']}: "
                f"usage {row['usage']:.1%}, perplexity/K {row['perplexity_norm']:.3f}, "
                f"recon {row['recon']:.1f} ({row['samples_per_s']:.0f} samples/s)",
                flush=True,
            )
            if args.json:
                args.json.write_text(json.dumps(rows, indent=1))
    rows.sort(key=lambda r: (list(DATASETS).index(r["data"]), r["codebook_size"]))
    print(f"\n{table(rows)}\n\n{len(jobs)} runs in {time.perf_counter() - start:.0f} s on {device}")


if __name__ == "__main__":
    main()
