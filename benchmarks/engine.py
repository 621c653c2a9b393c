"""Engine overhead and IS-NLL speed against bare PyTorch, in one run, on two models.

Cases (``--case``):

* ``default`` — vaekit's default VAE: MLP 784-512-256 → 16 latents → 256-512-784,
  Bernoulli likelihood, dynamic binarisation, batch 128.
* ``small`` — one 512-unit hidden layer each way, 16 latents, batch 100, unit-variance
  Gaussian likelihood on grey pixels: per-step overhead shows most here.

For each case:

1. The same model, data, batch size and epochs trained with vaekit's ``Trainer`` and with
   a hand-written loop; samples/s of both and their ratio (training steps only, from
   ``metrics.csv``'s ``time_s``, and the whole fit with per-epoch validation, checkpoint
   and CSV).
2. vaekit's importance-sampled NLL at ``k`` samples on 1,000 images against a bare
   vectorised estimator (each image encoded once, its k samples decoded in one call).

Repeats alternate bare and vaekit back to back, so neither always runs on a cold or warm
process; ratios are medians of the per-repeat ratios (bare ÷ vaekit: < 1 is slower than
bare), samples/s are medians. Timings on a shared 2-core machine swing by ±20 % between
runs, never between the two halves of one pair.

Usage: python benchmarks/engine.py [--case small|default|both] [--epochs 10] [--k 1000]
       [--repeats 5] [--threads N]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from dataclasses import dataclass
from statistics import median

import torch
import torch.nn.functional as F
from torch import nn

from vaekit import api
from vaekit.data import load_data
from vaekit.engine import Trainer, seed_everything
from vaekit.evaluation.likelihood import dataset_log_likelihood, plan_batches
from vaekit.rundir import RunDir

LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class Case:
    """One benchmark model: vaekit overrides and the same network written by hand."""

    overrides: tuple[str, ...]
    enc: tuple[int, ...]  # hidden widths, input to latent head
    dec: tuple[int, ...]
    gaussian: bool
    batch: int
    binarize: bool


CASES = {
    "default": Case((), (512, 256), (256, 512), False, 128, True),
    "small": Case(
        (
            "model.encoder.hidden=[512]",
            "model.decoder.hidden=[512]",
            "model.likelihood={name: gaussian, sigma: 1.0}",
            "data.binarize=none",
            "train.batch_size=100",
        ),
        (512,),
        (512,),
        True,
        100,
        False,
    ),
}


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


def bare_vae(case: Case, latent: int) -> nn.ModuleDict:
    """The same architecture as the vaekit model of ``case``, written out by hand."""
    return nn.ModuleDict(
        {"enc": mlp([784, *case.enc, 2 * latent]), "dec": mlp([latent, *case.dec, 784])}
    )


def bare_encode(m: nn.ModuleDict, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mu, raw = m["enc"](x.flatten(1)).chunk(2, -1)
    return mu, F.softplus(raw) + 1e-4


def bare_log_px(case: Case, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    if case.gaussian:  # N(x; out, 1) summed over pixels
        return -0.5 * ((x - out) ** 2 + LOG_2PI).sum(-1)
    return -F.binary_cross_entropy_with_logits(out, x.expand_as(out), reduction="none").sum(-1)


def bare_train(case: Case, x_train: torch.Tensor, epochs: int, latent: int) -> float:
    """Seconds for a plain VAE training loop."""
    seed_everything(0)
    m = bare_vae(case, latent)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    n = x_train.shape[0]
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, case.batch):
            x = x_train[perm[i : i + case.batch]].flatten(1)
            if case.binarize:
                x = torch.bernoulli(x)
            mu, std = bare_encode(m, x)
            z = mu + std * torch.randn_like(std)
            recon = -bare_log_px(case, m["dec"](z), x)
            kl = 0.5 * (mu**2 + std**2 - 1 - 2 * torch.log(std)).sum(-1)
            loss = (recon + kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.perf_counter() - start


@torch.no_grad()
def bare_nll(
    case: Case, m: nn.ModuleDict, x: torch.Tensor, k: int, images_per_call: int
) -> torch.Tensor:
    """Vectorised IS estimate of -log p(x): encode once, decode k samples per image in one call."""
    out = []
    for i in range(0, x.shape[0], images_per_call):
        xb = x[i : i + images_per_call].flatten(1)
        mu, std = bare_encode(m, xb)
        eps = torch.randn(k, *mu.shape)
        z = mu + std * eps
        decoded = m["dec"](z.flatten(0, 1)).view(k, xb.shape[0], -1)
        log_px = bare_log_px(case, decoded, xb)
        log_pz = -0.5 * (z**2 + LOG_2PI).sum(-1)
        log_qz = (-0.5 * (eps**2 + LOG_2PI) - torch.log(std)).sum(-1)
        out.append(-(torch.logsumexp(log_px + log_pz - log_qz, 0) - math.log(k)))
    return torch.cat(out)


def copy_weights(bare: nn.ModuleDict, model: nn.Module, case: Case) -> None:
    """Give the bare network the vaekit model's weights (for the same NLL numbers)."""
    head = 2 * len(case.enc)
    bare["enc"].load_state_dict(
        model.encoder.net.state_dict()
        | {f"{head}.{k}": v for k, v in model.posterior.head.state_dict().items()}
    )
    bare["dec"].load_state_dict(model.decoder.net.state_dict())


def run_case(name: str, args: argparse.Namespace) -> None:
    case = CASES[name]
    cfg = api.make_config(
        model="vae", data="mnist5k", epochs=args.epochs, overrides=list(case.overrides)
    )
    data = load_data(cfg.data)
    x_train = data.train.batch(torch.arange(len(data.train))).x  # grey values
    n = x_train.shape[0]
    latent = cfg.model.latent_dim
    print(
        f"\n== case {name}: {n} training images, batch {case.batch}, {args.epochs} epochs, "
        f"median of {args.repeats}"
    )
    bare_times, fit_times, step_times = [], [], []
    for _ in range(args.repeats):
        bare_times.append(bare_train(case, x_train, args.epochs, latent))
        with tempfile.TemporaryDirectory() as tmp:
            seed_everything(0)
            model = cfg.model.build(data.shape)
            trainer = Trainer(model, data, cfg.train, RunDir(tmp), 0, torch.device("cpu"), False)
            start = time.perf_counter()
            state = trainer.fit()
            fit_times.append(time.perf_counter() - start)
        step_times.append(sum(row["time_s"] for row in state.history))
    bare_s, fit_s, steps_s = map(median, (bare_times, fit_times, step_times))
    step_ratios = [b / t for b, t in zip(bare_times, step_times, strict=True)]
    r_steps = median(step_ratios)
    r_fit = median(b / f for b, f in zip(bare_times, fit_times, strict=True))
    samples = n * args.epochs
    print(f"bare loop           {samples / bare_s:8.0f} samples/s  ({bare_s:.2f} s)")
    print(
        f"vaekit train steps  {samples / steps_s:8.0f} samples/s  ({steps_s:.2f} s)  "
        f"ratio {r_steps:.3f}  per repeat {[round(r, 3) for r in step_ratios]}"
    )
    print(
        f"vaekit whole fit    {samples / fit_s:8.0f} samples/s  ({fit_s:.2f} s)  ratio {r_fit:.3f}"
        "  (adds validation, checkpoint, CSV each epoch)"
    )

    bare = bare_vae(case, latent)
    copy_weights(bare, model, case)
    x_eval = torch.cat(
        [
            data.val.batch(torch.arange(len(data.val))).x,
            data.test.batch(torch.arange(len(data.test))).x,
        ]
    )[:1000]
    model.eval()
    plan = plan_batches(model, args.k, cfg.eval.memory_budget_mb)
    ours_times, bare_nll_times = [], []
    for _ in range(args.repeats):
        torch.manual_seed(0)
        start = time.perf_counter()
        ref = bare_nll(case, bare, x_eval, args.k, plan.inputs)
        bare_nll_times.append(time.perf_counter() - start)
        torch.manual_seed(0)
        start = time.perf_counter()
        ours = -dataset_log_likelihood(model, x_eval, args.k, cfg.eval.memory_budget_mb)
        ours_times.append(time.perf_counter() - start)
    ours_s, bare_nll_s = median(ours_times), median(bare_nll_times)
    r_nll = median(b / o for b, o in zip(bare_nll_times, ours_times, strict=True))
    print(
        f"IS-NLL k={args.k} on {x_eval.shape[0]} images ({plan.inputs} images x "
        f"{plan.samples} samples per call): vaekit {ours_s:.2f} s, bare {bare_nll_s:.2f} s, "
        f"ratio {r_nll:.3f}; mean NLL {ours.mean():.3f} vs {ref.mean():.3f} nats"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=[*CASES, "both"], default="both")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in CASES if args.case == "both" else [args.case]:
        run_case(name, args)


if __name__ == "__main__":
    main()
