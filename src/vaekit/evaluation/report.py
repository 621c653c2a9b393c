"""The built-in evaluation used by ``vaekit train``'s final report and ``vaekit evaluate``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor

from vaekit.config import EvalConfig
from vaekit.distributions import kl_per_dim, kl_term
from vaekit.evaluation.collapse import active_units
from vaekit.evaluation.likelihood import dataset_log_likelihood
from vaekit.models.latent import LatentModel
from vaekit.ops import nats_to_bits_per_dim


@dataclass(frozen=True)
class EvalResult:
    """Test-set measurements in nats per example (positive NLL; ELBO is a log-likelihood bound).

    Fields that a model cannot have (ELBO and NLL of a model without a prior) are ``None``;
    ``extras`` holds what only some models or requests add (codebook stats, named metrics).
    """

    split: str
    num_examples: int
    recon: float
    elbo: float | None
    kl: float | None
    kl_per_dim: list[float] | None
    active_units: int
    active_dims: list[int]
    active_threshold: float
    nll: float | None
    nll_samples: int
    bits_per_dim: float | None
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``extras`` (model-specific stats, named metrics) join the top level."""
        out = asdict(self)
        out.update(out.pop("extras"))
        return out


@torch.no_grad()
def evaluate_model(
    model: LatentModel, x: Tensor, y: Tensor | None, cfg: EvalConfig, split: str = "test"
) -> EvalResult:
    """ELBO, reconstruction, KL (total and per dimension), active units and IS-NLL on ``x``.

    Models with a ``quantizer`` get the codebook evaluation (``evaluation/codebook.py``).
    """
    if hasattr(model, "quantizer"):
        from vaekit.evaluation.codebook import evaluate_quantized  # it imports EvalResult

        return evaluate_quantized(model, x, y, cfg, split)
    model.eval()
    has_prior = model.prior is not None
    recon_sum, kl_sum = 0.0, 0.0
    kl_dims: Tensor | None = None
    means = []
    bs = 512
    for i in range(0, x.shape[0], bs):
        xb = x[i : i + bs]
        yb = None if y is None else y[i : i + bs]
        q = model.encode(xb, yb)
        z = q.rsample()
        recon_sum += -model.log_px_given_z(xb, z, yb).sum().item()
        means.append(q.mean)
        if has_prior:
            p = model.prior_dist()
            kl_sum += kl_term(q, p, z).sum().item()
            per_dim = kl_per_dim(q, p)
            if per_dim is not None:
                kl_dims = per_dim.sum(0) if kl_dims is None else kl_dims + per_dim.sum(0)
    n = x.shape[0]
    active = active_units(torch.cat(means), cfg.active_threshold).nonzero().flatten().tolist()
    recon, kl = recon_sum / n, kl_sum / n
    nll = bpd = None
    if has_prior and cfg.nll_samples > 0:
        log_px = dataset_log_likelihood(model, x, y, cfg.nll_samples, cfg.memory_budget_mb)
        nll = -log_px.mean().item()
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
