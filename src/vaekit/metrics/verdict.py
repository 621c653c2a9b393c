"""A posterior-collapse verdict per latent dimension and overall, from ``(N, D)`` statistics.

For dimension j, with per-example KL_nj = KL(q(z_j | x_n) ‖ p(z_j)) and posterior means
μ_nj = E_q[z_j | x_n]:

* ``kl_j`` = (1/N) Σ_n KL_nj, the dimension's mean KL (nats);
* ``mean_variance_j`` = Var_n μ_nj, Burda et al.'s activity (active when > ``active``);
* ``prior_fraction_j`` = fraction of inputs with KL_nj < ``kl``: where q(z_j|x) sits
  on the prior (the per-input "passive" state of Rolinek et al. 2019; a dimension
  passive for some inputs and active for others is "mixed" in Bonheme & Grzes,
  "Be More Active!").

Labels, with the defaults ``active = 0.01``, ``kl = 0.01`` nats, ``mixed = 0.5``:

* ``collapsed``: ``kl_j < kl`` and ``mean_variance_j <= active`` — q(z_j|x) ≈ p(z_j)
  for every input, the decoder gets nothing through z_j;
* ``healthy``: ``mean_variance_j > active``, ``kl_j >= kl`` and ``prior_fraction_j <
  mixed`` — the dimension encodes x for most inputs;
* ``partially collapsed``: everything else — inactive means but a posterior that
  left the prior (it pays KL without encoding x), or active but on the prior for at
  least a fraction ``mixed`` of the inputs.

Without per-dimension KL (no prior, or a posterior that does not factorise) the
label rests on activity alone: ``collapsed`` when ``mean_variance_j <= active``,
else ``healthy``.

Overall: ``collapsed`` when no dimension is healthy, ``healthy`` when all are,
``partially collapsed`` otherwise. Nothing here is specific to one latent group: a
hierarchical model concatenates its groups' statistics along D (or calls
:func:`collapse_verdict` once per group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from vaekit.registry import ConfigError

COLLAPSED, PARTIAL, HEALTHY = "collapsed", "partially collapsed", "healthy"


@dataclass(frozen=True)
class CollapseThresholds:
    """Thresholds of the verdict: activity (variance of means), KL in nats, mixed fraction."""

    active: float = 0.01
    kl: float = 0.01
    mixed: float = 0.5

    def __post_init__(self) -> None:
        if not (self.active >= 0 and self.kl >= 0 and 0 < self.mixed <= 1):
            raise ConfigError(
                f"collapse thresholds need active >= 0, kl >= 0 and 0 < mixed <= 1; got "
                f"active={self.active}, kl={self.kl}, mixed={self.mixed}"
            )


@dataclass(frozen=True)
class CollapseVerdict:
    """One label per dimension, the overall label and the numbers behind them."""

    overall: str
    labels: tuple[str, ...]
    kl_per_dim: tuple[float, ...] | None
    mean_variance: tuple[float, ...]
    prior_fraction: tuple[float, ...] | None
    thresholds: CollapseThresholds

    def dims(self, label: str) -> list[int]:
        """Indices of the dimensions labelled ``label``."""
        return [j for j, lab in enumerate(self.labels) if lab == label]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: overall, per-dimension labels, index lists and thresholds."""
        t = self.thresholds
        return {
            "overall": self.overall,
            "per_dim": list(self.labels),
            "collapsed": self.dims(COLLAPSED),
            "partially_collapsed": self.dims(PARTIAL),
            "healthy": self.dims(HEALTHY),
            "prior_fraction": None if self.prior_fraction is None else list(self.prior_fraction),
            "thresholds": {"active": t.active, "kl": t.kl, "mixed": t.mixed},
        }


def _label(inactive: bool, low_kl: bool, mixed: bool) -> str:
    if inactive and low_kl:
        return COLLAPSED
    if inactive or low_kl or mixed:
        return PARTIAL
    return HEALTHY


def collapse_verdict(
    means: Tensor, kl: Tensor | None, thresholds: CollapseThresholds | None = None
) -> CollapseVerdict:
    """Label each dimension from posterior ``means (N, D)`` and per-example ``kl (N, D)``."""
    t = thresholds or CollapseThresholds()
    variance = means.var(dim=0, unbiased=False)
    inactive = (variance <= t.active).tolist()
    if kl is None:
        labels = tuple(COLLAPSED if off else HEALTHY for off in inactive)
        kl_mean = fraction = None
    else:
        kl_mean = kl.mean(0)
        fraction = (kl < t.kl).to(torch.float64).mean(0)
        labels = tuple(
            _label(off, low, mix)
            for off, low, mix in zip(
                inactive, (kl_mean < t.kl).tolist(), (fraction >= t.mixed).tolist(), strict=True
            )
        )
    healthy = sum(lab == HEALTHY for lab in labels)
    overall = COLLAPSED if healthy == 0 else HEALTHY if healthy == len(labels) else PARTIAL
    return CollapseVerdict(
        overall=overall,
        labels=labels,
        kl_per_dim=None if kl_mean is None else tuple(kl_mean.tolist()),
        mean_variance=tuple(variance.tolist()),
        prior_fraction=None if fraction is None else tuple(fraction.tolist()),
        thresholds=t,
    )
