"""Disentanglement reproduction (issue 10): VAE, β-VAE, β-TCVAE, FactorVAE and DIP-VAE-II on
dSprites, several seeds, MIG / FactorVAE score / DCI / SAP per run.

Each run is ``vaekit train --config configs/dsprites/<model>.yaml`` (the 64×64 conv networks
of Locatello et al. 2019, 10 latents, batches of 64, the papers' hyperparameters: β = 4,
β-TCVAE β = 6 with the MSS estimator, FactorVAE γ = 35 with its discriminator at the paper's
Adam settings, DIP-VAE-II λ_od = λ_d = 10) at a budget:

* CPU (default, the issue's budget): ``--steps`` 2,500 optimizer steps on 20,000 dSprites
  images, main lr 5e-4 (five times the papers' 1e-4, for a budget 120 times smaller),
  2 seeds, ``--jobs`` 2 runs at once of one torch thread each: about an hour on 2 free
  cores (estimated from per-step CPU times; not run).
* ``--quick``: 504 steps (8 epochs) on 5,000 images at lr 1e-3, metrics on 5,000 codes and 300
  FactorVAE-score votes: about 15 minutes on 2 free cores (estimated), an hour at load
  average 20 (measured, ``benchmarks/RESULTS.md``).
* ``--gpu``: 300,000 steps (the papers'), all 737,280 images, lr 1e-4, 3 seeds, on cuda.

Metrics use 10,000 images (5,000 with ``--quick``) rendered from factors drawn uniformly over
the whole factor space (as disentanglement_lib does), encoded to their posterior means: MIG,
SAP, DCI (the presorted boosting, ``fast_gbt``) on those codes, and the FactorVAE score with a
reduced protocol (``--votes`` training votes, 1,000 or 300 with ``--quick``; half as many
evaluation votes, batches of 64; published: 10,000
and 5,000). The best run by MIG gets ``vaekit diagnose`` (its traversals are copied to
``--picture``) and a check of DCI's presorted boosting against the published gradient
boosting on ``--dci-check`` of its codes, on two random train/test splits, with the
published recipe's own change between the two splits as the noise floor.

Rows go to ``--json`` as they finish; rows already there are kept, so an interrupted
benchmark resumes.

Usage: python benchmarks/disentangle.py [--quick | --gpu] [--steps 2500] [--seeds 0 1]
           [--only vae factor] [--jobs 2] [--out runs/disentangle] [--json OUT/rows.json]
           [--dci-check 5000] [--check-only] [--rescore-dci]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaekit import api, metrics
from vaekit.data import DSprites
from vaekit.evaluation.encodings import posterior_means

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs" / "dsprites"
MODELS = {  # label → config file
    "VAE": "vae.yaml",
    "β-VAE (β=4)": "betavae.yaml",
    "β-TCVAE (β=6)": "betatcvae.yaml",
    "FactorVAE (γ=35)": "factorvae.yaml",
    "DIP-VAE-II (λ=10)": "dipvae_ii.yaml",
}
BUDGETS = {
    "cpu": {"steps": 2_500, "n": 20_000, "lr": 5e-4, "seeds": [0, 1], "codes": 10_000},
    "quick": {"steps": 504, "n": 5_000, "lr": 1e-3, "seeds": [0, 1], "codes": 5_000},
    "gpu": {"steps": 300_000, "n": 737_280, "lr": 1e-4, "seeds": [0, 1, 2], "codes": 10_000},
}


def codes_and_factors(model: Any, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means ``(n, D)`` of images rendered from ``n`` uniform factor draws."""
    source = DSprites()
    factors = source.sample_factors(n, np.random.default_rng(seed))
    images = torch.from_numpy(source.images_from_factors(factors))
    return posterior_means(model, images).numpy(), factors


def run_one(job: dict[str, Any]) -> dict[str, Any]:
    """Train one model (``vaekit train --config``), then measure it."""
    torch.set_num_threads(job["threads"])
    out = Path(job["out"])
    n_train = round(job["n"] * 0.8)  # the default val/test fractions are 0.1 each
    epochs = math.ceil(job["steps"] / math.ceil(n_train / 64))
    overrides = [
        f"data.options.n={job['n']}",
        f"train.lr={job['lr']}",
        f"train.device={job['device']}",
        f"seed={job['seed']}",
        f"eval.nll_samples={job['nll_samples']}",
        "eval.num_pictures=0",
    ]
    cfg = api.make_config(CONFIGS / job["config"], epochs=epochs, overrides=overrides)
    start = time.perf_counter()
    result = api.train(cfg, out=out, overwrite=True, progress=False)
    train_s = time.perf_counter() - start
    model = result.run.model
    start = time.perf_counter()
    codes, factors = codes_and_factors(model, job["codes"], seed=100 + job["seed"])

    def represent(images: np.ndarray) -> np.ndarray:
        return posterior_means(model, torch.from_numpy(images)).numpy()

    dci = metrics.dci(codes, factors)
    row = {
        **{k: job[k] for k in ("model", "seed")},
        "steps": result.run.config.train.epochs * math.ceil(n_train / 64),
        "mig": metrics.mig(codes, factors),
        "factor_vae": metrics.factor_vae_score(
            represent, DSprites(), num_train=job["votes"], num_eval=job["votes"] // 2, seed=0
        ),
        "dci_d": dci["disentanglement"],
        "dci_c": dci["completeness"],
        "dci_i": dci["informativeness"],
        "sap": metrics.sap(codes, factors),
        "recon": result.results.recon,
        "kl": result.results.kl,
        "train_s": train_s,
        "metrics_s": time.perf_counter() - start,
        "run": str(out),
    }
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per run, then the mean over seeds per model."""
    head = "| model | seed | MIG | FactorVAE score | DCI D / C / I | SAP | recon (nats) | KL |"
    lines = [head, "|---|---:|---:|---:|---|---:|---:|---:|"]

    def line(label: str, seed: str, group: list[dict[str, Any]]) -> str:
        def m(key: str, fmt: str = ".3f") -> str:
            return f"{statistics.fmean(r[key] for r in group):{fmt}}"

        return (
            f"| {label} | {seed} | {m('mig')} | {m('factor_vae')} | {m('dci_d')} / {m('dci_c')}"
            f" / {m('dci_i')} | {m('sap')} | {m('recon', '.1f')} | {m('kl', '.1f')} |"
        )

    for label in MODELS:
        group = [r for r in rows if r["model"] == label]
        lines += [line(label, str(r["seed"]), [r]) for r in sorted(group, key=lambda r: r["seed"])]
        if len(group) > 1:
            lines.append(line(f"**{label}**", "mean", group))
    return "\n".join(lines)


def check_dci(best: dict[str, Any], n: int) -> str:
    """The presorted boosting against the published gradient boosting on the best run's codes,
    beside the published recipe against itself on another random train/test split (the
    noise floor of a comparison of importances)."""
    model = api.load(best["run"]).model
    codes, factors = codes_and_factors(model, n, seed=100 + best["seed"])
    found = {}
    for name, seed in (("gbt", 0), ("fast_gbt", 0), ("gbt", 1), ("fast_gbt", 1)):
        start = time.perf_counter()
        importance = metrics.dci_importance(codes, factors, model=name, seed=seed)
        scores = (metrics.disentanglement(importance), metrics.completeness(importance))
        found[name, seed] = (importance, scores, time.perf_counter() - start)
    (gi, gs, gt), (hi, hs, ht) = found["gbt", 0], found["fast_gbt", 0]
    other_gbt, other_fast = found["gbt", 1][0], found["fast_gbt", 1][0]
    return (
        f"DCI on {n} codes of {best['model']} seed {best['seed']}: importances differ by at "
        f"most {np.abs(gi - hi).max():.3f} (on a second split: "
        f"{np.abs(other_gbt - other_fast).max():.3f}); gbt against itself on the two splits: "
        f"{np.abs(gi - other_gbt).max():.3f}; disentanglement gbt {gs[0]:.3f} / fast_gbt "
        f"{hs[0]:.3f}, completeness {gs[1]:.3f} / {hs[1]:.3f}; importances took gbt "
        f"{gt:.0f} s, fast_gbt {ht:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    budget_flag = parser.add_mutually_exclusive_group()
    budget_flag.add_argument("--gpu", action="store_true", help="the papers' budget on cuda")
    budget_flag.add_argument("--quick", action="store_true", help="a 25-minute CPU budget")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--only", nargs="*", help="model labels starting with these words")
    parser.add_argument("--jobs", type=int, default=None, help="runs at once (1 thread each)")
    parser.add_argument("--votes", type=int, default=None, help="FactorVAE-score train votes")
    parser.add_argument("--dci-check", type=int, default=5000, help="codes (0: no check)")
    parser.add_argument(
        "--check-only", action="store_true", help="only the check of the best run in --json"
    )
    parser.add_argument(
        "--rescore-dci", action="store_true", help="DCI of the runs in --json again, then the table"
    )
    parser.add_argument("--out", type=Path, default=Path("runs/disentangle"))
    parser.add_argument("--json", type=Path, default=None, help="default: OUT/rows.json")
    parser.add_argument("--picture", type=Path, default=ROOT / "docs/images/disentangle.png")
    args = parser.parse_args()
    budget = BUDGETS["gpu" if args.gpu else "quick" if args.quick else "cpu"]
    jobs_at_once = args.jobs or (1 if args.gpu else 2)
    rows_file = args.json or args.out / "rows.json"
    rows = json.loads(rows_file.read_text()) if rows_file.exists() else []
    if args.check_only:
        print(check_dci(max(rows, key=lambda r: r["mig"]), args.dci_check))
        return
    if args.rescore_dci:
        for row in rows:
            model = api.load(row["run"]).model
            codes, factors = codes_and_factors(model, budget["codes"], 100 + row["seed"])
            dci = metrics.dci(codes, factors)
            row.update(dci_d=dci["disentanglement"], dci_c=dci["completeness"])
            row.update(dci_i=dci["informativeness"])
        rows_file.write_text(json.dumps(rows, indent=1))
        print(table(rows))
        return
    done = {(r["model"], r["seed"]) for r in rows}
    jobs = [
        {
            "model": label,
            "config": config,
            "seed": seed,
            "steps": args.steps or budget["steps"],
            "n": budget["n"],
            "lr": budget["lr"],
            "votes": args.votes or (300 if args.quick else 1000),
            "codes": budget["codes"],
            "nll_samples": 2 if args.quick else 10,
            "device": "cuda" if args.gpu else "cpu",
            "threads": 1 if jobs_at_once > 1 else torch.get_num_threads(),
            "out": str(args.out / f"{config.removesuffix('.yaml')}-seed{seed}"),
        }
        for label, config in MODELS.items()
        if not args.only or any(label.lower().startswith(w.lower()) for w in args.only)
        for seed in args.seeds or budget["seeds"]
        if (label, seed) not in done
    ]
    start = time.perf_counter()
    rows_file.parent.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(jobs_at_once) as pool:
        for row in pool.map(run_one, jobs):
            rows.append(row)
            rows_file.write_text(json.dumps(rows, indent=1))
            print(
                f"{row['model']} seed {row['seed']}: MIG {row['mig']:.3f}, FactorVAE "
                f"{row['factor_vae']:.3f}, DCI-D {row['dci_d']:.3f}, SAP {row['sap']:.3f} "
                f"(train {row['train_s']:.0f} s, metrics {row['metrics_s']:.0f} s)",
                flush=True,
            )
    print(f"\n{table(rows)}\n\n{len(jobs)} runs in {time.perf_counter() - start:.0f} s")
    best = max(rows, key=lambda r: r["mig"])
    diagnosis = api.diagnose(api.load(best["run"]))
    args.picture.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(diagnosis.pictures["traversals"], args.picture)
    print(f"best MIG: {best['model']} seed {best['seed']}; traversals: {args.picture}")
    if args.dci_check:
        print(check_dci(best, args.dci_check))


if __name__ == "__main__":
    main()
