"""Engine overhead and IS-NLL speed against bare PyTorch, in one run.

1. Trains the same VAE (same MLP, data, batch size, epochs, dynamic binarisation)
   with vaekit's Trainer and with a hand-written loop; prints samples/s of both and
   their ratio (training steps only, and the whole fit including vaekit's per-epoch
   validation, checkpoint and CSV).
2. Times vaekit's importance-sampled NLL at k samples on 1,000 images against a bare
   vectorised estimator (each image encoded once, its k samples decoded in one call).

Each measurement is repeated ``--repeats`` times, alternating bare and vaekit so that
neither always runs on a cold or a warm process. Timings on a shared 2-core machine
swing by ±20 % from run to run, so the ratios reported are medians of the per-repeat
ratios (each pair measured back to back), and the samples/s are medians too.

Usage: python benchmarks/engine.py [--epochs 10] [--k 1000] [--repeats 7] [--threads N]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path
from statistics import median

import torch
import torch.nn.functional as F
from torch import nn

from vaekit import api
from vaekit.data import load_data
from vaekit.engine import Trainer, seed_everything
from vaekit.evaluation.likelihood import dataset_log_likelihood, plan_batches
from vaekit.types import StepContext


def bare_vae(latent: int) -> nn.ModuleDict:
    """The same architecture as vaekit's default VAE, written out by hand."""
    return nn.ModuleDict(
        {
            "enc": nn.Sequential(
                nn.Linear(784, 512),
                nn.SiLU(),
                nn.Linear(512, 256),
                nn.SiLU(),
                nn.Linear(256, 2 * latent),
            ),
            "dec": nn.Sequential(
                nn.Linear(latent, 256),
                nn.SiLU(),
                nn.Linear(256, 512),
                nn.SiLU(),
                nn.Linear(512, 784),
            ),
        }
    )


def bare_encode(m: nn.ModuleDict, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mu, raw = m["enc"](x.flatten(1)).chunk(2, -1)
    return mu, F.softplus(raw) + 1e-4


def bare_train(x_train: torch.Tensor, epochs: int, batch: int, latent: int) -> float:
    """Seconds for a plain VAE training loop."""
    seed_everything(0)
    m = bare_vae(latent)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    n = x_train.shape[0]
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch):
            x = torch.bernoulli(x_train[perm[i : i + batch]]).flatten(1)
            mu, std = bare_encode(m, x)
            z = mu + std * torch.randn_like(std)
            recon = F.binary_cross_entropy_with_logits(m["dec"](z), x, reduction="none").sum(-1)
            kl = 0.5 * (mu**2 + std**2 - 1 - 2 * torch.log(std)).sum(-1)
            loss = (recon + kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def bare_loop_vaekit_model(data, cfg, epochs: int) -> float:
    """Seconds for a hand-written loop around vaekit's model (isolates the engine's cost)."""
    seed_everything(0)
    model = cfg.model.build(data.shape)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_train = data.train.float_x()
    n, batch = x_train.shape[0], cfg.train.batch_size
    gen = torch.Generator().manual_seed(0)
    ctx = StepContext()
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch):
            x = torch.bernoulli(x_train[perm[i : i + batch]])
            loss = model.step(x, None, ctx).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.perf_counter() - start


@torch.no_grad()
def bare_nll(m: nn.ModuleDict, x: torch.Tensor, k: int, images_per_call: int) -> torch.Tensor:
    """Vectorised IS estimate of -log p(x): encode once, decode k samples per image in one call."""
    out = []
    for i in range(0, x.shape[0], images_per_call):
        xb = x[i : i + images_per_call].flatten(1)
        mu, std = bare_encode(m, xb)
        eps = torch.randn(k, *mu.shape)
        z = mu + std * eps
        logits = m["dec"](z.flatten(0, 1)).view(k, xb.shape[0], -1)
        log_px = -F.binary_cross_entropy_with_logits(
            logits, xb.expand(k, -1, -1), reduction="none"
        ).sum(-1)
        log_pz = -0.5 * (z**2 + math.log(2 * math.pi)).sum(-1)
        log_qz = (-0.5 * (eps**2 + math.log(2 * math.pi)) - torch.log(std)).sum(-1)
        out.append(-(torch.logsumexp(log_px + log_pz - log_qz, 0) - math.log(k)))
    return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = api.make_config(model="vae", data="mnist5k", epochs=args.epochs)
    data = load_data(cfg.data)
    x_train = data.train.float_x()
    n = x_train.shape[0]
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {n} training images, "
        f"batch {cfg.train.batch_size}, {args.epochs} epochs, median of {args.repeats}"
    )

    bare_times, hand_times, fit_times, step_times = [], [], [], []
    for _ in range(args.repeats):
        bare_times.append(
            bare_train(x_train, args.epochs, cfg.train.batch_size, cfg.model.latent_dim)
        )
        hand_times.append(bare_loop_vaekit_model(data, cfg, args.epochs))
        with tempfile.TemporaryDirectory() as tmp:
            seed_everything(0)
            model = cfg.model.build(data.shape)
            trainer = Trainer(model, data, cfg.train, Path(tmp), 0, torch.device("cpu"), False)
            start = time.perf_counter()
            state = trainer.fit()
            fit_times.append(time.perf_counter() - start)
        step_times.append(sum(row["time_s"] for row in state.history))
    bare_s, fit_s, steps_s = map(median, (bare_times, fit_times, step_times))
    hand_s = median(hand_times)
    r_hand = median(b / h for b, h in zip(bare_times, hand_times, strict=True))
    r_steps = median(b / t for b, t in zip(bare_times, step_times, strict=True))
    r_engine = median(h / t for h, t in zip(hand_times, step_times, strict=True))
    r_fit = median(b / f for b, f in zip(bare_times, fit_times, strict=True))
    samples = n * args.epochs
    print(f"bare loop          {samples / bare_s:9.0f} samples/s  ({bare_s:.2f} s)")
    print(
        f"bare loop, vaekit model {samples / hand_s:9.0f} samples/s  ({hand_s:.2f} s)  "
        f"ratio {r_hand:.3f}  (the model's parts, no engine)"
    )
    print(
        f"vaekit train steps {samples / steps_s:9.0f} samples/s  ({steps_s:.2f} s)  "
        f"ratio {r_steps:.3f}; engine alone {r_engine:.3f}"
    )
    print(
        f"vaekit whole fit   {samples / fit_s:9.0f} samples/s  ({fit_s:.2f} s)  "
        f"ratio {r_fit:.3f}  (adds validation, checkpoint, CSV each epoch)"
    )

    bare = bare_vae(cfg.model.latent_dim)
    bare["enc"].load_state_dict(
        model.encoder.net.state_dict()
        | {f"4.{k}": v for k, v in model.posterior.head.state_dict().items()}
    )
    bare["dec"].load_state_dict(model.decoder.net.state_dict())
    x_eval = torch.cat([data.val.float_x(), data.test.float_x()])[:1000].flatten(1)
    model.eval()
    plan = plan_batches(model, args.k, cfg.eval.memory_budget_mb)
    ours_times, bare_nll_times = [], []
    for _ in range(args.repeats):
        torch.manual_seed(0)
        start = time.perf_counter()
        ref = bare_nll(bare, x_eval, args.k, plan.inputs)
        bare_nll_times.append(time.perf_counter() - start)
        torch.manual_seed(0)
        start = time.perf_counter()
        ours = -dataset_log_likelihood(
            model, x_eval.view(-1, 1, 28, 28), None, args.k, cfg.eval.memory_budget_mb
        )
        ours_times.append(time.perf_counter() - start)
    ours_s, bare_nll_s = median(ours_times), median(bare_nll_times)
    r_nll = median(b / o for b, o in zip(bare_nll_times, ours_times, strict=True))
    print(
        f"IS-NLL k={args.k} on {x_eval.shape[0]} images ({plan.inputs} images x "
        f"{plan.samples} samples per call): vaekit {ours_s:.2f} s, bare {bare_nll_s:.2f} s, "
        f"ratio {r_nll:.3f}; mean NLL {ours.mean():.3f} vs {ref.mean():.3f} nats"
    )


if __name__ == "__main__":
    main()
