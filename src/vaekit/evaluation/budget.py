"""The budget of ``vaekit train``'s final evaluation: a share of the training time.

Before training, :func:`measure_costs` times the evaluation itself on 256 examples: its
pass over each example (encode, decode, ELBO, KL) and one importance-sampled decode. A
training example costs about :data:`TRAIN_PASSES` such passes in batches of the training
size (forward, then backward at about twice the forward), so ``budget`` × epochs ×
training examples × that is the time the evaluation may take; :func:`budgeted` lowers
``max_examples``, then ``nll_samples``, to fit. Timing is what makes the bound hold for
any network: a decode of the 64×64 transposed-conv decoder costs about 0.4 of a training
example on a CPU, where counting passes or FLOPs says 0.18. The chosen values are rounded
down to 1-2-5 steps so that small timing noise does not change them, and training saves
them in ``config.yaml``. Runs whose whole evaluation takes under :data:`MIN_SECONDS`
keep their settings.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from vaekit.config import EvalConfig
from vaekit.evaluation.report import evaluate_model
from vaekit.progress import shown
from vaekit.types import DataSource

TRAIN_PASSES = 3  # a training example ≈ its evaluation pass, forward + backward (2×)
MIN_SECONDS = 2.0  # never bound an evaluation expected to take less than this
PROBE_EXAMPLES = 256  # examples timed: batches near the evaluation's, whose size matters
PROBE_SAMPLES = 2  # importance samples per example timed


@dataclass(frozen=True)
class Costs:
    """Seconds per training example (estimated), per example of the evaluation pass, and
    per importance-sampled decode."""

    train: float
    example: float
    decode: float


def measure_costs(model: nn.Module, data: DataSource, nll_samples: int, train_batch: int) -> Costs:
    """Time :func:`~vaekit.evaluation.report.evaluate_model` on the first
    :data:`PROBE_EXAMPLES` examples of ``data``: without importance sampling (the least of
    two calls: the first pays for warming up), with ``nll_samples`` (at most
    :data:`PROBE_SAMPLES`; skipped for 0), then without, in batches of ``train_batch`` (a
    training example costs :data:`TRAIN_PASSES` of those). The model's mode and the random
    state are restored."""
    probe = data.select(torch.arange(min(len(data), PROBE_EXAMPLES)))
    n = len(probe)
    device = next(model.parameters()).device
    training = model.training
    plain = EvalConfig(nll_samples=0, budget=None)
    sampled = dataclasses.replace(plain, nll_samples=min(nll_samples, PROBE_SAMPLES))
    try:
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []), shown(False):
            example = _seconds(lambda: evaluate_model(model, probe, plain), device, 2) / n
            decode = 0.0
            if sampled.nll_samples:
                total = _seconds(lambda: evaluate_model(model, probe, sampled), device, 1) / n
                decode = max(total - example, 0.0) / sampled.nll_samples
            # last, when warm: a cold start would overstate training, and so the budget
            forward = _seconds(
                lambda: evaluate_model(model, probe, plain, batch_size=train_batch), device, 2
            )
    finally:
        model.train(training)
    return Costs(TRAIN_PASSES * forward / n, example, decode)


def _seconds(fn: Callable[[], object], device: torch.device, repeats: int) -> float:
    """The least wall seconds of ``repeats`` calls of ``fn()`` (the device synchronised on
    CUDA): a collection or a scheduling hiccup in one call does not count."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return min(times)


def budgeted(
    cfg: EvalConfig, costs: Costs, train_examples: int, epochs: int, split_size: int
) -> EvalConfig:
    """``cfg`` with ``max_examples`` and ``nll_samples`` lowered so that evaluating
    ``split_size`` examples takes at most ``cfg.budget`` × the training time estimated from
    ``costs``: first fewer examples (keeping two importance samples each), then fewer
    samples (at least 1), each rounded down to 1, 2 or 5 × 10ⁿ. Idempotent for the same
    ``costs``; ``budget=None`` returns ``cfg``."""
    if cfg.budget is None:
        return cfg
    train_seconds = costs.train * train_examples * epochs
    seconds = max(cfg.budget * train_seconds, MIN_SECONDS)
    n = min(split_size, cfg.max_examples or split_size)
    k = cfg.nll_samples
    if n * (costs.example + k * costs.decode) <= seconds:
        return cfg
    n = min(n, _round_down(seconds / (costs.example + min(k, 2) * costs.decode)))
    if k > 0 and costs.decode > 0:
        k = min(k, _round_down((seconds / n - costs.example) / costs.decode))
    max_examples = n if n < split_size else cfg.max_examples
    return dataclasses.replace(cfg, max_examples=max_examples, nll_samples=k)


def _round_down(x: float) -> int:
    """The largest of 1, 2, 5, 10, 20, 50, ... at most ``x`` (1 for ``x`` < 1)."""
    if x < 2:
        return 1
    power = 10 ** math.floor(math.log10(x))
    return max(m * power for m in (1, 2, 5) if m * power <= x)


def capped(data: DataSource, max_examples: int | None) -> DataSource:
    """At most ``max_examples`` examples of ``data``: a random subset fixed by seed 0 (the
    same for every run and call), in the data's order; all of it when ``None`` or enough."""
    if max_examples is None or max_examples >= len(data):
        return data
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    return data.select(order[:max_examples].sort().values)
