"""The built-in evaluation used by ``vaekit train``'s final report and ``vaekit evaluate``.

What runs is chosen by capability: a model with a codebook gets the codebook evaluation
(:mod:`vaekit.evaluation.codebook`), a model with a posterior the evaluation below. Both
read the data as a :class:`~vaekit.types.DataSource`, a batch at a time.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from vaekit.config import EvalConfig
from vaekit.distributions import kl_per_dim, mean_of
from vaekit.evaluation.codebook import evaluate_quantized
from vaekit.evaluation.likelihood import dataset_log_likelihood
from vaekit.evaluation.result import EvalResult
from vaekit.metrics.collapse import active_units
from vaekit.ops import nats_to_bits_per_dim
from vaekit.progress import phase
from vaekit.protocols import HasCodebook, HasPosterior
from vaekit.registry import VaekitError
from vaekit.types import DataSource, iter_batches

EVAL_BATCH = 512


@torch.no_grad()
def evaluate_model(
    model: nn.Module,
    data: DataSource,
    cfg: EvalConfig,
    split: str = "test",
    batch_size: int = EVAL_BATCH,
) -> EvalResult:
    """Evaluate ``model`` on every example of ``data`` (in eval mode, on its device)."""
    model.eval()
    with phase(f"evaluation on {len(data)} {split} examples"):
        if isinstance(model, HasCodebook):
            return evaluate_quantized(model, data, cfg, split, batch_size)
        if isinstance(model, HasPosterior):
            return evaluate_posterior(model, data, cfg, split, batch_size)
    raise VaekitError(f"{type(model).__name__} has neither a posterior nor a codebook to evaluate")


@torch.no_grad()
def evaluate_posterior(
    model: nn.Module,
    data: DataSource,
    cfg: EvalConfig,
    split: str = "test",
    batch_size: int = EVAL_BATCH,
) -> EvalResult:
    """ELBO, reconstruction, KL (total and per dimension), active units and IS-NLL.

    One posterior sample per example for the reconstruction and (when not analytic) the
    KL; sums over batches are divided by the number of examples once.
    """
    has_prior = model.prior is not None
    device = next(model.parameters()).device
    recon_sum = torch.zeros((), dtype=torch.float64, device=device)
    kl_sum = torch.zeros((), dtype=torch.float64, device=device)
    kl_dims: Tensor | None = None
    means = []
    with phase("ELBO, KL, active units", total=len(data)) as advance:
        for batch in iter_batches(data, batch_size, device):
            p = model.forward_pass(batch)
            recon_sum += -p.log_px.double().sum()
            means.append(mean_of(p.q))
            if has_prior:
                kl_sum += p.kl.double().sum()
                per_dim = kl_per_dim(p.q, p.prior)
                if per_dim is not None:
                    total = per_dim.double().sum(0)
                    kl_dims = total if kl_dims is None else kl_dims + total
            advance(len(batch.x))
    n = len(data)
    active = active_units(torch.cat(means), cfg.active_threshold).nonzero().flatten().tolist()
    recon, kl = recon_sum.item() / n, kl_sum.item() / n
    nll = bpd = None
    if has_prior and cfg.nll_samples > 0:
        log_px = dataset_log_likelihood(model, data, cfg.nll_samples, cfg.memory_budget_mb)
        nll = -log_px.double().mean().item()
        bpd = float(nats_to_bits_per_dim(nll, math.prod(model.input_shape)))
    return EvalResult(
        split=split,
        num_examples=n,
        recon=recon,
        elbo=-(recon + kl) if has_prior else None,
        kl=kl if has_prior else None,
        kl_per_dim=None if kl_dims is None else (kl_dims / n).tolist(),
        active_units=len(active),
        active_dims=active,
        active_threshold=cfg.active_threshold,
        nll=nll,
        nll_samples=cfg.nll_samples if nll is not None else 0,
        bits_per_dim=bpd,
    )
