"""Test NLL of richer posteriors, priors and bounds (issue 11) on mnist5k, dynamically binarised.

Every model has the same networks (MLP encoder 784-512-256, decoder 256-512-784, 40
latents, Bernoulli likelihood) and budget (``--epochs`` epochs of the 4,000 training
images, batch 128, Adam 1e-3, linear KL warm-up over the first ``--warmup`` epochs, final
weights of the last epoch); only the posterior, prior or bound changes:

* ``vae`` — diagonal-Gaussian posterior, N(0, I) prior, ELBO;
* ``iwae k=5``, ``iwae k=50`` — the same parts on the k-sample bound;
* ``planar K=10`` — planar-flow posterior of 10 steps;
* ``iaf`` — inverse autoregressive flow posterior (2 steps, MADE 256-256);
* ``vampprior`` — VampPrior with 500 pseudo-inputs;
* ``mog prior`` — a learned mixture of 10 Gaussians.

The test NLL is the importance-sampled estimate with ``--k`` samples (5,000) on the 500
test images (binarised once), or on a fixed random subset of ``--test-examples`` of them
(the same for every model), from ``vaekit``'s final evaluation (not capped by
``eval.budget``). Measured table and reading: ``benchmarks/RESULTS.md``. Runs go to ``--jobs``
worker processes of one torch thread each; rows already in ``--json`` are kept, so an
interrupted benchmark resumes.

Usage: python benchmarks/nll_table.py [--epochs 50] [--k 5000] [--warmup 10] [--jobs 2]
           [--test-examples 100] [--only vae iaf] [--json nll.json] [--runs DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

import vaekit

COMMON = [
    "model.latent_dim=40",
    "model.encoder={name: mlp, hidden: [512, 256]}",
    "model.decoder={name: mlp, hidden: [256, 512]}",
    "train.batch_size=128",
    "train.lr=1e-3",
    "eval.num_pictures=0",
    "eval.memory_budget_mb=512",
    "eval.budget=null",  # the full k on the whole test split, however short the training
]
MODELS: dict[str, tuple[str, list[str]]] = {
    "vae": ("vae", []),
    "iwae k=5": ("iwae", ["model.k=5"]),
    "iwae k=50": ("iwae", ["model.k=50"]),
    "planar K=10": ("vae", ["model.posterior={name: planar, length: 10}"]),
    "iaf": ("vae", ["model.posterior={name: iaf, transforms: 2, hidden: [256, 256]}"]),
    "vampprior": ("vae", ["model.prior={name: vamp, components: 500}"]),
    "mog prior": ("vae", ["model.prior={name: mog, components: 10, learn_weights: true}"]),
}


def run_one(
    label: str, epochs: int, k: int, warmup: float, runs: str, seed: int, test: int | None
) -> dict:
    """Train one model and return its row."""
    torch.set_num_threads(1)
    model, extra = MODELS[label]
    overrides = [
        *COMMON,
        *extra,
        f"train.kl_warmup_epochs={warmup}",
        f"eval.nll_samples={k}",
        f"eval.max_examples={'null' if test is None else test}",
        f"seed={seed}",
    ]
    cfg = vaekit.make_config(model=model, data="mnist5k", epochs=epochs, overrides=overrides)
    out = Path(runs) / label.replace(" ", "_").replace("=", "")
    start = time.perf_counter()
    result = vaekit.train(cfg, out=out, overwrite=True, progress=False)
    r = result.results
    return {
        "model": label,
        "nll": r.nll,
        "elbo": r.elbo,
        "kl": r.kl,
        "active_units": r.active_units,
        "epochs": result.epochs,
        "minutes": (time.perf_counter() - start) / 60,
        "k": k,
        "test_examples": r.num_examples,
        "seed": seed,
    }


def table(rows: list[dict]) -> str:
    """The rows as a markdown table, in the order of :data:`MODELS`."""
    lines = [
        "| model | test NLL (nats) | test ELBO | KL | active units | minutes |",
        "|---|---|---|---|---|---|",
    ]
    by_label = {r["model"]: r for r in rows}
    for label in MODELS:
        if (r := by_label.get(label)) is not None:
            lines.append(
                f"| {label} | {r['nll']:.2f} | {r['elbo']:.2f} | {r['kl']:.2f} | "
                f"{r['active_units']} / 40 | {r['minutes']:.1f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--test-examples",
        type=int,
        default=None,
        help="score a fixed random subset of the test split, the same for every model "
        "(default: all 500)",
    )
    parser.add_argument("--only", nargs="*", default=None, help="labels to run (default: all)")
    parser.add_argument("--json", default="nll_table.json")
    parser.add_argument("--runs", default=None, help="where the runs go (default: a temp dir)")
    args = parser.parse_args()
    path = Path(args.json)
    rows = json.loads(path.read_text()) if path.exists() else []
    done = {r["model"] for r in rows}
    todo = [m for m in (args.only or MODELS) if m not in done]
    runs = args.runs or tempfile.mkdtemp(prefix="nll_table_")
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [
            pool.submit(
                run_one, m, args.epochs, args.k, args.warmup, runs, args.seed, args.test_examples
            )
            for m in todo
        ]
        for future in futures:
            rows.append(future.result())
            path.write_text(json.dumps(rows, indent=2) + "\n")
            print(table(rows), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
