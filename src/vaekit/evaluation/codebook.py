"""Evaluation of quantized models: reconstruction, codebook usage and, with a code prior, bits/dim.

``codebook_usage`` is the fraction of codes used at least once on the evaluated split,
``perplexity = exp H(p̂)`` of the split's code histogram and ``dead_codes`` the number
of codes never used on it (all three taken per stage/group and averaged or summed
for residual and grouped quantizers). With a prior over codes the model is a latent
variable model with a deterministic encoder, so
``−log p(x) ≤ −log p(indices) − log p(x | z_q)`` (importance sampling with one sample
of a point-mass posterior): that bound is reported as ``nll``, and ``−log p(indices)`` as ``kl``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from vaekit.config import EvalConfig
from vaekit.evaluation.report import EvalResult
from vaekit.models.quantized import QuantizedModel
from vaekit.ops import nats_to_bits_per_dim
from vaekit.quantizers import count_codes


@dataclass(frozen=True)
class CodebookStats:
    """Code usage on a set of examples (see the module docstring)."""

    usage: float
    perplexity: float
    dead_codes: int


def codebook_stats(counts: Tensor) -> CodebookStats:
    """Stats from code histograms ``counts (S, K)``, one row per stage or group (VQ: S = 1)."""
    counts = counts.double()
    p = counts / counts.sum(-1, keepdim=True).clamp_min(1)
    entropy = -torch.special.xlogy(p, p).sum(-1)
    return CodebookStats(
        usage=(counts > 0).double().mean().item(),
        perplexity=entropy.exp().mean().item(),
        dead_codes=int((counts == 0).sum()),
    )


def _no_counts(model: QuantizedModel, device: torch.device) -> Tensor:
    """Zero counts ``(S, K)`` for ``model``'s stages/groups and codebook."""
    stages = math.prod(model.quantizer.index_shape)
    return torch.zeros(stages, model.quantizer.codebook_size, dtype=torch.long, device=device)


def histogram(indices: Tensor, codebook_size: int, stages: int = 1) -> Tensor:
    """Code counts ``(S, K)`` of ``indices (..., S)`` (or ``(...)`` when ``S = 1``)."""
    idx = indices.reshape(-1, stages) + torch.arange(stages, device=indices.device) * codebook_size
    return count_codes(idx, stages * codebook_size).view(stages, codebook_size)


@torch.no_grad()
def code_counts(model: QuantizedModel, x: Tensor, batch: int = 512) -> Tensor:
    """Code counts ``(S, K)`` over the examples ``x``, in eval mode."""
    model.eval()
    counts = _no_counts(model, x.device)
    for i in range(0, x.shape[0], batch):
        counts += histogram(model.encode(x[i : i + batch]).indices, counts.shape[1], len(counts))
    return counts


@torch.no_grad()
def evaluate_quantized(
    model: QuantizedModel, x: Tensor, y: Tensor | None, cfg: EvalConfig, split: str = "test"
) -> EvalResult:
    """Reconstruction NLL and MSE, codebook stats and, with a prior, the NLL bound and bits/dim."""
    model.eval()
    n, bs = x.shape[0], 512
    recon = mse = quant_error = rate = 0.0
    counts = _no_counts(model, x.device)
    for i in range(0, n, bs):
        xb = x[i : i + bs]
        q = model.encode(xb)
        params = model.decoder_params(q.z_q)
        recon -= model.likelihood.log_prob(params, xb).sum().item()
        mse += (model.likelihood.mean(params) - xb).pow(2).flatten(1).mean(1).sum().item()
        quant_error += q.stats["quant_error"].item() * xb.shape[0]
        counts += histogram(q.indices, counts.shape[1], len(counts))
        if model.prior is not None:
            rate -= model.prior.log_prob(q.indices.flatten(1)).sum().item()
    stats = codebook_stats(counts)
    has_prior = model.prior is not None
    recon, rate = recon / n, rate / n
    nll = recon + rate if has_prior else None
    return EvalResult(
        split=split,
        num_examples=n,
        recon=recon,
        elbo=None if nll is None else -nll,
        kl=rate if has_prior else None,
        kl_per_dim=None,
        active_units=0,
        active_dims=[],
        active_threshold=cfg.active_threshold,
        nll=nll,
        nll_samples=1 if has_prior else 0,
        bits_per_dim=None
        if nll is None
        else float(nats_to_bits_per_dim(nll, math.prod(model.input_shape))),
        extras={
            "codebook_usage": stats.usage,
            "perplexity": stats.perplexity,
            "dead_codes": stats.dead_codes,
            "codebook_size": model.quantizer.codebook_size,
            "mse": mse / n,
            "quant_error": quant_error / n,
        },
    )
