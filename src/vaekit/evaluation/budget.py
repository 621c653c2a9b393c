"""The budget of ``vaekit train``'s final evaluation: a share of the training time.

Before training, :func:`measure_costs` times a training step of the model (on a copy)
and the evaluation itself on 256 examples: its pass over each example (encode, decode,
ELBO, KL) and one importance-sampled decode. ``budget`` × epochs × training examples ×
the step's cost per example is the time the evaluation may take; :func:`budgeted` lowers
``max_examples``, then ``nll_samples``, to fit. Timing is what makes the bound hold for
any model: a decode of the 64×64 transposed-conv decoder costs about 0.4 of a training
example on a CPU, where counting passes or FLOPs says 0.18, and an IWAE step with k = 50
costs fifty decodes. The chosen values are rounded down to 1-2-5 steps so that small
timing noise does not change them, and training saves them in ``config.yaml``. Runs whose
whole evaluation takes under :data:`MIN_SECONDS` keep their settings.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn

from vaekit.config import EvalConfig
from vaekit.evaluation.report import evaluate_model
from vaekit.progress import phase, shown
from vaekit.types import DataSource, StepContext

MIN_SECONDS = 2.0  # never bound an evaluation expected to take less than this
PROBE_EXAMPLES = 256  # examples timed: batches near the evaluation's, whose size matters
PROBE_SAMPLES = 2  # importance samples per example timed first ...
MAX_PROBE_SAMPLES = 128  # ... then four times more while that takes under 0.2 s


@dataclass(frozen=True)
class Costs:
    """Seconds per training example, per example of the evaluation pass, and per
    importance-sampled decode."""

    train: float
    example: float
    decode: float


def measure_costs(
    model: nn.Module, train: DataSource, test: DataSource, nll_samples: int, batch_size: int
) -> Costs:
    """Time what the run will do, on a few examples, leaving ``model`` and the random state
    as they were: a training step (every step the model declares, forward and backward, on
    a copy of the model and a batch of ``train``; the least of three, the first warming
    up) and :func:`~vaekit.evaluation.report.evaluate_model` on the first
    :data:`PROBE_EXAMPLES` examples of ``test``, without importance sampling (the least of
    two) and with importance sampling (:data:`PROBE_SAMPLES`, then four times more while
    that takes under 0.2 s, up to ``nll_samples`` and :data:`MAX_PROBE_SAMPLES`; skipped
    for ``nll_samples`` = 0)."""
    probe = test.select(torch.arange(min(len(test), PROBE_EXAMPLES)))
    n = len(probe)
    device = next(model.parameters()).device
    training = model.training
    plain = EvalConfig(nll_samples=0, budget=None)
    try:
        with (
            phase("timing a training step and the final evaluation (eval.budget)"),
            torch.random.fork_rng(devices=[device] if device.type == "cuda" else []),
            shown(False),
        ):
            step = _train_seconds(model, train, batch_size, device)
            example = _seconds(lambda: evaluate_model(model, probe, plain), device, 2) / n
            decode = 0.0
            k = min(nll_samples, PROBE_SAMPLES)
            while k:  # more samples while cheap: small batches overstate a decode's cost
                sampled = dataclasses.replace(plain, nll_samples=k)
                seconds = _seconds(partial(evaluate_model, model, probe, sampled), device, 1)
                decode = max(seconds / n - example, 0.0) / k
                more = min(4 * k, nll_samples, MAX_PROBE_SAMPLES)
                k = more if seconds < 0.2 and more > k else 0
    finally:
        model.train(training)
    return Costs(step, example, decode)


def _train_seconds(
    model: nn.Module, data: DataSource, batch_size: int, device: torch.device
) -> float:
    """Seconds per example of one training batch through every declared step of a copy of
    ``model`` (the copy's state may change: k-means initialisation, running statistics)."""
    clone = copy.deepcopy(model).train()
    size = min(len(data), batch_size)
    batch = next(data.batches(torch.arange(size), size, device))
    ctx = StepContext(training=True, dataset_size=len(data), batch_size=batch_size)

    def one_batch() -> None:
        for step in clone.steps():  # type: ignore[operator]
            step.fn(batch, ctx).loss.backward()
        clone.zero_grad(set_to_none=True)

    return _seconds(one_batch, device, 3) / size


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
