"""Posterior statistics of a dataset: the ``(N, D)`` tensors that diagnostics read.

Encoding N inputs gives, per example n and latent dimension j,

* the mean representation μ_nj = E_q[z_j | x_n] (analytic when the posterior has a
  ``mean``, else the average of ``mc_samples`` draws),
* a sampled representation z_nj ~ q(z_j | x_n) (one draw per input),
* ``loc``, ``log_var`` of a diagonal-Gaussian posterior ``Independent(Normal)``,
  ``None`` for any other family,
* KL(q(z_j | x_n) ‖ p(z_j)) when q and p factorise over dimensions with an
  analytic pairwise KL, ``None`` otherwise, and the total KL per example
  (analytic, or the single-sample estimate log q(z|x) − log p(z)).

Everything comes back on the CPU in float64, whatever the model's device.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from vaekit.distributions import kl_per_dim, kl_term, mean_of
from vaekit.objectives.tc import diagonal_gaussian
from vaekit.protocols import HasPosterior
from vaekit.registry import VaekitError


@dataclass(frozen=True)
class PosteriorStats:
    """Per-example posterior statistics of N inputs (CPU, float64).

    ``mean``, ``sample``: ``(N, D)``; ``loc``, ``log_var``: ``(N, D)`` or ``None``
    (not a diagonal Gaussian); ``kl``: ``(N, D)`` or ``None`` (not factorised, or no
    prior); ``kl_total``: ``(N,)`` or ``None`` (no prior).
    """

    mean: Tensor
    sample: Tensor
    loc: Tensor | None
    log_var: Tensor | None
    kl: Tensor | None
    kl_total: Tensor | None

    @property
    def num_examples(self) -> int:
        """N."""
        return self.mean.shape[0]

    @property
    def latent_dim(self) -> int:
        """D."""
        return self.mean.shape[1]


def require_posterior(model: object) -> None:
    """Raise a clear error unless ``model`` encodes to a distribution q(z|x)."""
    if not isinstance(model, HasPosterior):
        raise VaekitError(
            f"this needs a model whose encoder gives a posterior q(z|x); "
            f"{type(model).__name__} has none (quantized models: see the codebook statistics)"
        )


def _cpu64(t: Tensor) -> Tensor:
    return t.detach().cpu().double()


@torch.no_grad()
def posterior_means(
    model: HasPosterior,
    x: Tensor,
    y: Tensor | None = None,
    *,
    batch_size: int = 512,
    mc_samples: int = 64,
) -> Tensor:
    """The mean representation E_q[z | x] of ``x`` ``(N, ...)`` → ``(N, D)`` (CPU, float64)."""
    require_posterior(model)
    device = next(model.parameters()).device
    parts = []
    for i in range(0, x.shape[0], batch_size):
        yb = None if y is None else y[i : i + batch_size].to(device)
        q = model.encode(x[i : i + batch_size].to(device), yb)
        parts.append(_cpu64(mean_of(q, mc_samples)))
    return torch.cat(parts)


@torch.no_grad()
def encode_posterior(
    model: HasPosterior,
    x: Tensor,
    y: Tensor | None = None,
    *,
    batch_size: int = 512,
    generator: torch.Generator | None = None,
    mc_samples: int = 64,
) -> PosteriorStats:
    """Encode ``x`` ``(N, ...)`` (labels ``y`` for conditional models) in batches.

    A diagonal-Gaussian sample is drawn on the CPU from ``generator`` (reproducible on
    any device); other families draw with ``q.sample()`` (torch's global generator).
    """
    require_posterior(model)
    device = next(model.parameters()).device
    fields: dict[str, list[Tensor]] = {
        k: [] for k in ("mean", "sample", "loc", "log_var", "kl", "kl_total")
    }
    for i in range(0, x.shape[0], batch_size):
        yb = None if y is None else y[i : i + batch_size].to(device)
        q = model.encode(x[i : i + batch_size].to(device), yb)
        gaussian = diagonal_gaussian(q)
        if gaussian is not None:
            loc, scale = _cpu64(gaussian[0]), _cpu64(gaussian[1])
            eps = torch.randn(loc.shape, generator=generator, dtype=torch.float64)
            fields["loc"].append(loc)
            fields["log_var"].append(2 * scale.log())
            fields["sample"].append(loc + scale * eps)
            fields["mean"].append(loc)
        else:
            fields["sample"].append(_cpu64(q.sample()))
            fields["mean"].append(_cpu64(mean_of(q, mc_samples)))
        if model.prior is not None:
            p = model.prior_dist(yb)
            per_dim = kl_per_dim(q, p)
            if per_dim is not None:
                fields["kl"].append(_cpu64(per_dim))
                fields["kl_total"].append(_cpu64(per_dim.sum(-1)))
            else:
                fields["kl_total"].append(_cpu64(kl_term(q, p, q.sample())))
    n_batches = len(fields["mean"])
    joined = {k: torch.cat(v) if len(v) == n_batches and v else None for k, v in fields.items()}
    return PosteriorStats(**joined)
