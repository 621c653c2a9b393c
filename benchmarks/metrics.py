"""Disentanglement-metric benchmark (issue 3): wall time of each metric on dSprites codes.

Codes-and-factors metrics (MIG, SAP, DCI, modularity/explicitness) get ``--n`` = 10,000
factor vectors drawn uniformly from the generated dSprites and **codes = noisy factors**:
the 5 real factor values (shape class, scale, orientation, x, y) standardised, plus
Gaussian noise of standard deviation ``--noise`` (0.1), followed by 5 pure-noise
dimensions N(0, 1) — D = 10. DCI is timed with its four importance models (``gbt``
is the published one, ``fast_gbt`` the default).

The dataset scores (BetaVAE, FactorVAE) render their own images from factors with the
published protocol (10,000 training + 5,000 evaluation points, batches of 64: about
1.9 M and 1.0 M rendered images) and use **codes = a fixed random projection** of the
64×64 pixels to D = 10 (seeded Gaussian matrix / 64).

Information and sample-quality estimators run on N = ``--n`` as well: I(x; z) and
KL(q(z) ‖ p(z)) with μ = the noisy codes and σ = 0.1 in every dimension; ELBO surgery
(MWS and MSS, batches of 256) on the same; the Fréchet distance and k-NN
precision/recall between two sets of N random 128-d features.

One run each (timings on shared CPUs vary; the numbers are for orientation). ``cpu s`` is
the process's CPU time (all threads), which a busy machine inflates far less than the wall
time.

Usage: python benchmarks/metrics.py [--n 10000] [--noise 0.1] [--seed 0] [--only mig dci_gbt]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from vaekit import metrics
from vaekit.data import DSprites
from vaekit.evaluation.surgery import elbo_surgery
from vaekit.metrics.frechet import frechet_distance, precision_recall
from vaekit.metrics.information import marginal_kl, mutual_information


def noisy_factor_codes(
    source: DSprites, n: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(codes (n, 10), factors (n, 5))``: standardised factor values + noise, 5 noise dims."""
    factors = source.sample_factors(n, rng)
    values = source.factor_values(factors)
    values = (values - values.mean(0)) / values.std(0)
    codes = np.concatenate(
        [values + noise * rng.normal(size=values.shape), rng.normal(size=values.shape)], axis=1
    )
    return codes, factors


def random_projection(seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """Images ``(n, 1, 64, 64)`` → codes ``(n, 10)`` through a fixed Gaussian matrix."""
    weights = np.random.default_rng(seed).normal(size=(64 * 64, 10)).astype(np.float32) / 64
    return lambda images: images.reshape(len(images), -1) @ weights


def cases(args: argparse.Namespace) -> dict[str, tuple[str, Callable[[], Any]]]:
    """Label → (what the codes are, a call returning the metric's value)."""
    source = DSprites()
    rng = np.random.default_rng(args.seed)
    codes, factors = noisy_factor_codes(source, args.n, args.noise, rng)
    mu = torch.from_numpy(codes)
    log_var = torch.full_like(mu, 2 * np.log(0.1))
    gen = torch.Generator().manual_seed(args.seed)
    feats_a, feats_b = rng.normal(size=(2, args.n, 128))
    project = random_projection(args.seed)
    noisy = f"{args.n} noisy-factor codes, D=10"
    rendered = "random projection of rendered images, D=10"
    return {
        "mig": (noisy, lambda: metrics.mig(codes, factors)),
        "sap": (noisy, lambda: metrics.sap(codes, factors)),
        "dci_gbt": (noisy, lambda: metrics.dci(codes, factors, model="gbt")),
        "dci_fast_gbt": (noisy, lambda: metrics.dci(codes, factors, model="fast_gbt")),
        "dci_random_forest": (noisy, lambda: metrics.dci(codes, factors, model="random_forest")),
        "dci_lasso": (noisy, lambda: metrics.dci(codes, factors, model="lasso")),
        "modularity_explicitness": (noisy, lambda: metrics.modularity_explicitness(codes, factors)),
        "beta_vae": (rendered, lambda: metrics.beta_vae_score(project, source, seed=args.seed)),
        "factor_vae": (rendered, lambda: metrics.factor_vae_score(project, source, seed=args.seed)),
        "mutual_information": (
            f"{noisy}, σ=0.1",
            lambda: mutual_information(mu, log_var, generator=gen).item(),
        ),
        "marginal_kl": (f"{noisy}, σ=0.1", lambda: marginal_kl(mu, log_var, generator=gen).item()),
        "elbo_surgery (mws+mss)": (
            f"{noisy}, σ=0.1, batches of 256",
            lambda: elbo_surgery(mu, log_var, generator=gen)["mss"],
        ),
        "frechet_distance": (
            f"2 × {args.n} random 128-d features",
            lambda: frechet_distance(feats_a, feats_b),
        ),
        "precision_recall (k=3)": (
            f"2 × {args.n} random 128-d features",
            lambda: precision_recall(feats_a, feats_b),
        ),
    }


def short(value: Any) -> str:
    """A metric's value in a table cell."""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return ", ".join(f"{k[:4]} {v:.3f}" for k, v in value.items())
    if hasattr(value, "index_code_mi"):
        return (
            f"mi {value.index_code_mi:.2f}, tc {value.total_correlation:.2f}, "
            f"dwkl {value.dimwise_kl:.2f}"
        )
    if dataclasses.is_dataclass(value):
        return short(dataclasses.asdict(value))
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    print("| metric | codes | seconds | cpu s | value |")
    print("| --- | --- | ---: | ---: | --- |")
    for label, (codes, call) in cases(args).items():
        if args.only and label.split(" ")[0] not in args.only:
            continue
        start, cpu = time.perf_counter(), time.process_time()
        value = call()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"| {label} | {codes} | {seconds:.1f} | {cpu:.1f} | {short(value)} |", flush=True)


if __name__ == "__main__":
    main()
