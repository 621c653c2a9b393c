"""Codebook benchmark (issue 4): one conv autoencoder, every quantizer, two codebook sizes.

The same ``conv_grid`` encoder/decoder (latent vectors of size 16 on a 7×7 grid for
mnist5k, 8×8 for 64×64 dSprites), the same data, optimizer, batch size and number
of epochs; only the quantizer changes. For each run: codebook usage on the test
split (fraction of codes used at least once; per stage/group for residual/grouped),
perplexity of the test code histogram, reconstruction MSE per pixel and training
samples/s (training steps only, best epoch: the CPUs are shared). Grey mnist5k is
used as is (``binarize=none``, Bernoulli cross-entropy); dSprites is binary.

Usage: python benchmarks/quantizers.py [--epochs 3] [--dsprites-epochs 2] [--dsprites-n 4000]
           [--sizes 512 4096] [--only vq fsq] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
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

DEAD_AFTER = 50  # steps; the runs are short, so dead-code re-seeding must act sooner than 100


def quantizers(k: int) -> dict[str, dict[str, Any]]:
    """Label → quantizer spec at codebook size ``k`` (FSQ/LFQ: implicit codebooks of size k)."""
    fsq_levels = {512: [8, 8, 8], 4096: [8, 8, 8, 8]}.get(k)
    specs: dict[str, dict[str, Any]] = {
        "vq (STE)": {"name": "vq", "codebook_size": k},
        "vq + kmeans init": {"name": "vq", "codebook_size": k, "init": "kmeans"},
        "vq_ema + dead-code reset": {
            "name": "vq",
            "codebook_size": k,
            "update": "ema",
            "reseed_dead": True,
            "dead_after": DEAD_AFTER,
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


def run_one(
    data: Any, spec: dict[str, Any], stages: int, epochs: int, device: torch.device, seed: int = 0
) -> dict[str, float]:
    """Train one quantized autoencoder and measure it on the test split."""
    seed_everything(seed)
    cfg = QuantizedConfig(
        latent_dim=16,
        encoder={"name": "conv_grid", "channels": 32, "stages": stages},
        decoder={"name": "conv_grid", "channels": 32},
        quantizer=spec,
    )
    model = cfg.build(data.shape).to(device)
    train = TrainConfig(epochs=epochs, batch_size=64, lr=1e-3, log_every=1000)
    with tempfile.TemporaryDirectory() as tmp:
        state = Trainer(model, data, train, RunDir(tmp), seed, device, progress=False).fit()
    fastest = min(row["time_s"] for row in state.history)  # the machine is shared: best epoch
    result = evaluate_model(model, data.test, EvalConfig(), "test")
    return {
        "codebook_size": result.extras["codebook_size"],
        "usage": result.extras["codebook_usage"],
        "perplexity": result.extras["perplexity"],
        "mse": result.extras["mse"],
        "samples_per_s": len(data.train) / fastest,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| data | quantizer | K | usage | perplexity | MSE | samples/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['data']} | {r['quantizer']} | {r['codebook_size']} | "
            f"{r['usage']:.1%} | {r['perplexity']:.1f} | {r['mse']:.4f} | "
            f"{r['samples_per_s']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs on mnist5k")
    parser.add_argument("--dsprites-epochs", type=int, default=2)
    parser.add_argument("--dsprites-n", type=int, default=4000, help="dSprites images kept")
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 4096])
    parser.add_argument("--data", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--only", nargs="*", help="labels starting with these words")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write rows here")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device("auto")
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    for name in args.data:
        data_cfg, stages = DATASETS[name]
        if name == "dsprites":
            data_cfg = replace(data_cfg, options={"n": args.dsprites_n})
        data = load_data(data_cfg)
        epochs = args.epochs if name == "mnist5k" else args.dsprites_epochs
        for k in args.sizes:
            for label, spec in quantizers(k).items():
                if args.only and not any(label.startswith(w) for w in args.only):
                    continue
                row = {
                    "data": name,
                    "quantizer": label,
                    "epochs": epochs,
                    **run_one(data, spec, stages, epochs, device),
                }
                rows.append(row)
                print(
                    f"{name} {label} K={k}: usage {row['usage']:.1%} perplexity "
                    f"{row['perplexity']:.1f} mse {row['mse']:.4f} "
                    f"({row['samples_per_s']:.0f} samples/s)",
                    flush=True,
                )
                if args.json:
                    args.json.write_text(json.dumps(rows, indent=1))
    print(f"\n{table(rows)}\n\ntotal {time.perf_counter() - start:.0f} s on {device}")


if __name__ == "__main__":
    main()
