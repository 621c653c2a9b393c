"""Posterior-collapse and information diagnostics of any model with an encoder.

From the posterior statistics of a held-out set (:mod:`vaekit.evaluation.encodings`):

* KL per dimension, (1/N) Σ_n KL(q(z_j|x_n) ‖ p(z_j)), and the total KL;
* active units on the **mean** representation (Burda et al. 2016):
  #{j : Var_n E_q[z_j|x_n] > threshold};
* active units on the **sampled** representation: #{j : Var_n z_nj > threshold} with
  one draw z_n ~ q(z|x_n) per input. By the law of total variance this is
  Var_x μ_j + E_x σ_j², so a collapsed dimension (q = p = N(0, 1)) has variance ≈ 1
  and counts as active: the difference between the two counts is the number of
  dimensions that reach a downstream user of sampled codes as pure noise (the
  mean/sampled discrepancy of Bonheme & Grzes, "Be More Active!");
* I(x; z) under the aggregate posterior and KL(q(z) ‖ p(z)) (Monte Carlo, see
  :mod:`vaekit.metrics.information`), on a seeded subset of at most
  ``information_examples`` inputs (their cost is O(N² D));
* ELBO surgery with MWS and MSS (:mod:`vaekit.evaluation.surgery`) on that subset;
* a collapse verdict (:mod:`vaekit.metrics.verdict`).

What a model cannot have is ``None`` and named in ``unavailable`` with the reason: no
prior (a plain autoencoder) means no KL, information or surgery; a posterior that is
not a diagonal Gaussian keeps the KL (Monte Carlo when not analytic) but has no
information measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from vaekit.evaluation.encodings import PosteriorStats
from vaekit.evaluation.surgery import LogDensity, SurgeryTerms, elbo_surgery
from vaekit.metrics.collapse import active_units
from vaekit.metrics.information import aggregate_log_prob, mutual_information
from vaekit.metrics.verdict import CollapseThresholds, CollapseVerdict, collapse_verdict
from vaekit.protocols import HasPosterior


@dataclass(frozen=True)
class Diagnostics:
    """Collapse and information measurements of one split, in nats."""

    split: str
    num_examples: int
    kl_per_dim: tuple[float, ...] | None
    kl: float | None
    mean_variance: tuple[float, ...]
    sampled_variance: tuple[float, ...]
    active_threshold: float
    active_dims_mean: tuple[int, ...]
    active_dims_sampled: tuple[int, ...]
    information_examples: int
    mutual_information: float | None
    marginal_kl: float | None
    surgery: dict[str, SurgeryTerms]
    verdict: CollapseVerdict
    unavailable: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; surgery terms are objects keyed by estimator (``mws``, ``mss``)."""

        def per_estimator(term: str) -> dict[str, float] | None:
            return {k: getattr(v, term) for k, v in self.surgery.items()} or None

        return {
            "split": self.split,
            "num_examples": self.num_examples,
            "latent_dim": len(self.mean_variance),
            "kl": self.kl,
            "kl_per_dim": None if self.kl_per_dim is None else list(self.kl_per_dim),
            "active_threshold": self.active_threshold,
            "active_units_mean": len(self.active_dims_mean),
            "active_dims_mean": list(self.active_dims_mean),
            "active_units_sampled": len(self.active_dims_sampled),
            "active_dims_sampled": list(self.active_dims_sampled),
            "mean_variance": list(self.mean_variance),
            "sampled_variance": list(self.sampled_variance),
            "information_examples": self.information_examples,
            "mutual_information": self.mutual_information,
            "marginal_kl": self.marginal_kl,
            "index_code_mi": per_estimator("index_code_mi"),
            "total_correlation": per_estimator("total_correlation"),
            "dimwise_kl": per_estimator("dimwise_kl"),
            "surgery_kl": per_estimator("kl"),
            "verdict": self.verdict.to_dict(),
            "unavailable": dict(self.unavailable),
        }


def _active(codes: torch.Tensor, threshold: float) -> tuple[int, ...]:
    return tuple(active_units(codes, threshold).nonzero().flatten().tolist())


def diagnose_stats(
    stats: PosteriorStats,
    log_prior: LogDensity | None,
    *,
    split: str = "test",
    thresholds: CollapseThresholds | None = None,
    information_examples: int = 2000,
    surgery_batch: int = 256,
    num_samples: int = 1,
    seed: int = 0,
) -> Diagnostics:
    """Diagnostics from posterior statistics; ``log_prior`` maps z ``(B, D)`` → log p(z).

    ``log_prior=None`` means the model has no prior. MC draws use a CPU generator
    seeded with ``seed``; ``num_samples`` draws per input enter I(x; z) and KL(q(z) ‖ p(z)).
    """
    t = thresholds or CollapseThresholds()
    generator = torch.Generator().manual_seed(seed)
    unavailable: dict[str, str] = {}
    if log_prior is None:
        for key in ("kl_per_dim", "mutual_information", "marginal_kl", "surgery"):
            unavailable[key] = "the model has no prior p(z)"
        unavailable["verdict_kl"] = (
            "without a prior the labels rest on the code variance alone, whose scale an "
            "autoencoder leaves free: read them as relative"
        )
    elif stats.kl is None:
        unavailable["kl_per_dim"] = (
            "q(z|x) and p(z) have no analytic KL per dimension; the total KL is a "
            "one-sample Monte-Carlo estimate and the verdict uses activity only"
        )
    if log_prior is not None and stats.loc is None:
        for key in ("mutual_information", "marginal_kl", "surgery"):
            unavailable[key] = "q(z|x) is not a diagonal Gaussian"
    mi = marginal = None
    surgery: dict[str, SurgeryTerms] = {}
    n_info = min(stats.num_examples, information_examples)
    if "surgery" not in unavailable and n_info >= 2:
        idx = torch.randperm(stats.num_examples, generator=generator)[:n_info]
        mu, log_var = stats.loc[idx], stats.log_var[idx]
        mi = mutual_information(mu, log_var, num_samples=num_samples, generator=generator).item()
        z = (
            mu
            + torch.randn((num_samples, *mu.shape), generator=generator, dtype=mu.dtype)
            * torch.exp(0.5 * log_var)
        ).flatten(0, 1)
        marginal = (aggregate_log_prob(z, mu, log_var) - log_prior(z)).mean().item()
        surgery = elbo_surgery(
            mu, log_var, log_prior, batch_size=surgery_batch, generator=generator
        )
    return Diagnostics(
        split=split,
        num_examples=stats.num_examples,
        kl_per_dim=None if stats.kl is None else tuple(stats.kl.mean(0).tolist()),
        kl=None if stats.kl_total is None else stats.kl_total.mean().item(),
        mean_variance=tuple(stats.mean.var(0, unbiased=False).tolist()),
        sampled_variance=tuple(stats.sample.var(0, unbiased=False).tolist()),
        active_threshold=t.active,
        active_dims_mean=_active(stats.mean, t.active),
        active_dims_sampled=_active(stats.sample, t.active),
        information_examples=n_info if mi is not None else 0,
        mutual_information=mi,
        marginal_kl=marginal,
        surgery=surgery,
        verdict=collapse_verdict(stats.mean, stats.kl, t),
        unavailable=unavailable,
    )


def model_log_prior(model: HasPosterior) -> LogDensity | None:
    """log p(z) of the model's prior for CPU ``z (B, D)`` (float64 out), ``None`` without one."""
    if model.prior is None:
        return None
    prior = model.prior_dist()
    param = next(model.parameters())
    return lambda z: prior.log_prob(z.to(param.device, param.dtype)).detach().cpu().double()
