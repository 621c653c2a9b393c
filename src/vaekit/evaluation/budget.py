"""The budget of ``vaekit train``'s final evaluation: a fixed share of the training's work.

Work is counted in decoder passes. A training step costs about six per example (encoder
and decoder, forward and backward), the evaluation's ELBO pass about two per example
(:data:`ELBO_DECODES`) and the IS-NLL ``k`` per example, batched. With ``budget`` = 1.5 the
evaluation gets 1.5 × epochs × training examples decodes: about a quarter of the training
time. Small runs keep their settings (:data:`MIN_DECODES`), so a short test or the README's
quick start is evaluated in full.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from vaekit.config import EvalConfig
from vaekit.types import DataSource

ELBO_DECODES = 2  # per example: encode and decode once
MIN_DECODES = 2_000  # never bound below this: it takes well under a second


def budgeted(cfg: EvalConfig, train_examples: int, epochs: int, split_size: int) -> EvalConfig:
    """``cfg`` with ``max_examples`` and ``nll_samples`` lowered so that the evaluation of
    ``split_size`` examples costs at most ``cfg.budget`` × ``epochs`` × ``train_examples``
    decodes: first fewer examples (keeping room for the ELBO and two importance samples
    each), then fewer importance samples (at least 1). Idempotent; ``budget=None``
    returns ``cfg``."""
    if cfg.budget is None:
        return cfg
    decodes = max(cfg.budget * epochs * train_examples, MIN_DECODES)
    n = min(split_size, cfg.max_examples or split_size)
    n = max(1, min(n, math.floor(decodes / (ELBO_DECODES + 2))))
    k = cfg.nll_samples
    if k > 0:
        k = max(1, min(k, math.floor(decodes / n) - ELBO_DECODES))
    max_examples = cfg.max_examples if n == split_size else n
    return dataclasses.replace(cfg, max_examples=max_examples, nll_samples=k)


def capped(data: DataSource, max_examples: int | None) -> DataSource:
    """At most ``max_examples`` examples of ``data``: a random subset fixed by seed 0 (the
    same for every run and call), in the data's order; all of it when ``None`` or enough."""
    if max_examples is None or max_examples >= len(data):
        return data
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    return data.select(order[:max_examples].sort().values)
