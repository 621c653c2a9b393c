"""Evaluation of quantized models: reconstruction, codebook usage and, with a code prior, bits/dim.

The code counts of the split go to :mod:`vaekit.metrics.codebook`: ``codebook_usage``
(fraction of codes used at least once), ``perplexity = exp H(p̂)`` of the split's code
histogram, ``perplexity_norm`` (perplexity / K), ``code_entropy_bits`` (H(p̂) in bits)
and ``dead_codes`` (codes never used on the split) — taken per stage/group and averaged
or summed for residual and grouped quantizers — and the ``codebook_verdict``. With a
prior over codes the model is a latent variable model with a deterministic encoder, so
``−log p(x) ≤ −log p(indices) − log p(x | z_q)`` (importance sampling with one sample
of a point-mass posterior): that bound is reported as ``nll``, and ``−log p(indices)`` as ``kl``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from vaekit.config import EvalConfig
from vaekit.evaluation.result import EvalResult
from vaekit.metrics.codebook import codebook_stats, codebook_verdict
from vaekit.ops import nats_to_bits_per_dim
from vaekit.protocols import HasCodebook
from vaekit.quantizers import count_codes
from vaekit.types import DataSource, iter_batches


def _no_counts(model: HasCodebook, device: torch.device) -> Tensor:
    """Zero counts ``(S, K)`` for ``model``'s stages/groups and codebook."""
    stages = math.prod(model.quantizer.index_shape)
    return torch.zeros(stages, model.codebook_size, dtype=torch.long, device=device)


def histogram(indices: Tensor, codebook_size: int, stages: int = 1) -> Tensor:
    """Code counts ``(S, K)`` of ``indices (..., S)`` (or ``(...)`` when ``S = 1``)."""
    idx = indices.reshape(-1, stages) + torch.arange(stages, device=indices.device) * codebook_size
    return count_codes(idx, stages * codebook_size).view(stages, codebook_size)


@torch.no_grad()
def code_counts(model: HasCodebook, data: DataSource, batch_size: int = 512) -> Tensor:
    """Code counts ``(S, K)`` over every example of ``data``, in eval mode."""
    model.eval()  # type: ignore[attr-defined]
    device = next(model.parameters()).device  # type: ignore[attr-defined]
    counts = _no_counts(model, device)
    for b in iter_batches(data, batch_size, device):
        counts += histogram(model.encode_indices(b.x), counts.shape[1], len(counts))
    return counts


@torch.no_grad()
def evaluate_quantized(
    model: HasCodebook,
    data: DataSource,
    cfg: EvalConfig,
    split: str = "test",
    batch_size: int = 512,
) -> EvalResult:
    """Reconstruction NLL and MSE, codebook stats and, with a prior, the NLL bound and bits/dim."""
    device = next(model.parameters()).device  # type: ignore[attr-defined]
    sums = torch.zeros(4, dtype=torch.float64, device=device)  # recon, mse, quant_error, rate
    counts = _no_counts(model, device)
    has_prior = model.prior is not None
    for b in iter_batches(data, batch_size, device):
        p = model.forward_pass(b)  # type: ignore[attr-defined]
        params = model.decoder_params(p.z)  # type: ignore[attr-defined]
        mean = model.likelihood.mean(params)  # type: ignore[attr-defined]
        rate = -model.prior.log_prob(p.quant.indices.flatten(1)).sum() if has_prior else 0.0
        sums += torch.stack(
            [
                -model.likelihood.log_prob(params, b.x).sum(),  # type: ignore[attr-defined]
                (mean - b.x).pow(2).flatten(1).mean(1).sum(),
                p.quant.stats["quant_error"] * len(b),
                torch.as_tensor(rate, device=device),
            ]
        ).double()
        counts += histogram(p.quant.indices, counts.shape[1], len(counts))
    n = len(data)
    recon, mse, quant_error, rate = (sums / n).tolist()
    stats = codebook_stats(counts)
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
        else float(nats_to_bits_per_dim(nll, math.prod(model.input_shape))),  # type: ignore[attr-defined]
        extras={
            "codebook_usage": stats.usage,
            "perplexity": stats.perplexity,
            "perplexity_norm": stats.perplexity_norm,
            "code_entropy_bits": stats.entropy_bits,
            "dead_codes": stats.dead_codes,
            "codebook_size": model.codebook_size,
            "mse": mse,
            "quant_error": quant_error,
            "codebook_verdict": codebook_verdict(counts).to_dict(),
        },
    )
