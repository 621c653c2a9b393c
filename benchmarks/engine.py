"""Engine overhead and IS-NLL speed against bare PyTorch, in one run, on two models.

Cases (``--case``):

* ``default`` — vaekit's default VAE: MLP 784-512-256 → 16 latents → 256-512-784,
  Bernoulli likelihood, dynamic binarisation, batch 128.
* ``small`` — one 512-unit hidden layer each way, 16 latents, batch 100, unit-variance
  Gaussian likelihood on grey pixels: per-step overhead shows most here.

For each case:

1. Training: a hand-written loop and vaekit's ``Trainer`` (same model, data, batch size,
   optimizer) each train one epoch at a time, alternately (``--repeats`` pairs, which
   one goes first alternating too). The ratio of each pair is bare ÷ vaekit (< 1 is
   slower than bare), for the training steps (``metrics.csv``'s ``time_s``) and for the
   whole ``fit`` call (adds per-epoch validation, checkpoint and CSV); the medians and
   quartiles of the pair ratios are printed.
2. IS-NLL: vaekit's importance-sampled NLL at ``k`` samples against a bare vectorised
   estimator (each image encoded once, its k samples decoded in one call), alternating
   per chunk of images; the median of the per-chunk ratios.

This machine is a shared virtual machine: the same loop's time drifts by 20 % and more
over seconds, so only short, adjacent, alternating measurements can be compared.

Usage: python benchmarks/engine.py [--case small|default|both] [--repeats 20] [--k 1000]
       [--images 1000] [--threads N]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
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


class BareLoop:
    """A plain VAE training loop, one epoch per call (model and optimizer persist)."""

    def __init__(self, case: Case, x_train: torch.Tensor, latent: int) -> None:
        seed_everything(0)
        self.case, self.x = case, x_train
        self.m = bare_vae(case, latent)
        self.opt = torch.optim.Adam(self.m.parameters(), lr=1e-3)
        self.gen = torch.Generator().manual_seed(0)

    def epoch(self) -> float:
        """Seconds of one epoch of training steps."""
        case, m, opt, n = self.case, self.m, self.opt, self.x.shape[0]
        start = time.perf_counter()
        perm = torch.randperm(n, generator=self.gen)
        for i in range(0, n, case.batch):
            x = self.x[perm[i : i + case.batch]].flatten(1)
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


class VaekitLoop:
    """vaekit's Trainer, one more epoch per call: returns the epoch's training-step seconds
    (``metrics.csv``'s ``time_s``) and the seconds of the whole call (adds validation,
    checkpoint and CSV)."""

    def __init__(self, cfg, data, tmp: str) -> None:

        seed_everything(0)
        self.model = cfg.model.build(data.shape)
        train = dataclasses.replace(cfg.train, epochs=0)
        device = torch.device("cpu")
        self.trainer = Trainer(self.model, data, train, RunDir(tmp), 0, device, False)

    def epoch(self) -> tuple[float, float]:
        t = self.trainer
        t.cfg = dataclasses.replace(t.cfg, epochs=t.cfg.epochs + 1)
        start = time.perf_counter()
        t.fit()
        return t.state.history[-1]["time_s"], time.perf_counter() - start


def interleaved(a, b, repeats: int) -> tuple[list, list]:
    """``repeats`` calls of each, alternating which goes first."""
    first, second = [], []
    for r in range(repeats):
        if r % 2:
            second.append(b())
            first.append(a())
        else:
            first.append(a())
            second.append(b())
    return first, second


def run_case(name: str, args: argparse.Namespace) -> None:
    case = CASES[name]
    cfg = api.make_config(model="vae", data="mnist5k", overrides=list(case.overrides))
    data = load_data(cfg.data)
    x_train = data.train.batch(torch.arange(len(data.train))).x  # grey values
    n = x_train.shape[0]
    print(f"\n== case {name}: {n} training images, batch {case.batch}, {args.repeats} epoch pairs")
    bare = BareLoop(case, x_train, cfg.model.latent_dim)
    with tempfile.TemporaryDirectory() as tmp:
        ours = VaekitLoop(cfg, data, tmp)
        bare.epoch(), ours.epoch()  # warm-up: allocator, first-call costs
        bare_s, ours_s = interleaved(bare.epoch, ours.epoch, args.repeats)
    steps_s = [s for s, _ in ours_s]
    step_ratios = [b / o for b, o in zip(bare_s, steps_s, strict=True)]
    fit_ratios = [b / f for b, (_, f) in zip(bare_s, ours_s, strict=True)]
    print(f"bare loop           {n / median(bare_s):8.0f} samples/s")
    print(
        f"vaekit train steps  {n / median(steps_s):8.0f} samples/s  "
        f"ratio {median(step_ratios):.3f} (quartiles {quartiles(step_ratios)})"
    )
    print(
        f"vaekit whole fit    ratio {median(fit_ratios):.3f}  "
        "(adds validation, checkpoint, CSV each epoch)"
    )

    model = ours.model.eval()
    net = bare_vae(case, cfg.model.latent_dim)
    copy_weights(net, model, case)
    x_eval = torch.cat(
        [
            data.val.batch(torch.arange(len(data.val))).x,
            data.test.batch(torch.arange(len(data.test))).x,
        ]
    )[: args.images]
    plan = plan_batches(model, args.k, cfg.eval.memory_budget_mb)
    chunks = x_eval.split(plan.inputs)
    times: dict[str, list[float]] = {"bare": [], "vaekit": []}
    nll: dict[str, list[torch.Tensor]] = {"bare": [], "vaekit": []}

    def timed(name: str, fn) -> None:
        torch.manual_seed(0)
        start = time.perf_counter()
        nll[name].append(fn())
        times[name].append(time.perf_counter() - start)

    budget = cfg.eval.memory_budget_mb
    for i, chunk in enumerate(chunks):  # alternate per chunk of images
        calls = [
            ("bare", lambda c=chunk: bare_nll(case, net, c, args.k, plan.inputs)),
            ("vaekit", lambda c=chunk: -dataset_log_likelihood(model, c, args.k, budget)),
        ]
        for name_, fn in calls if i % 2 == 0 else calls[::-1]:
            timed(name_, fn)
    ratios = [b / o for b, o in zip(times["bare"], times["vaekit"], strict=True)]
    print(
        f"IS-NLL k={args.k} on {len(x_eval)} images ({plan.inputs} images x {plan.samples} "
        f"samples per call): vaekit {sum(times['vaekit']):.2f} s, bare {sum(times['bare']):.2f} s, "
        f"ratio {median(ratios):.3f} (quartiles {quartiles(ratios)}); mean NLL "
        f"{torch.cat(nll['vaekit']).mean():.3f} vs {torch.cat(nll['bare']).mean():.3f} nats"
    )


def quartiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=4)
    return f"{q[0]:.3f}–{q[2]:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=[*CASES, "both"], default="both")
    parser.add_argument("--repeats", type=int, default=20, help="epoch pairs")
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in CASES if args.case == "both" else [args.case]:
        run_case(name, args)


if __name__ == "__main__":
    main()
