"""Codebook use from code histograms, and a codebook-collapse verdict.

For code counts ``counts (S, K)`` on a split (one row per stage or group; plain VQ has
S = 1) and the histogram ``p̂_s = counts_s / Σ_k counts_sk`` of row s:

* ``usage`` = fraction of the K codes used at least once; ``dead_codes`` = codes never used;
* ``entropy_bits`` = H(p̂_s) in bits, at most log2 K;
* ``perplexity`` = exp H(p̂_s) in nats (2^bits): the number of equally used codes with
  the same entropy — uniform use of n codes gives n;
* ``perplexity_norm`` = perplexity / K ∈ (0, 1]: 1 only when every code is used equally.
  Usage counts a code used once like one used a million times; normalised perplexity
  does not, so high usage with low normalised perplexity means most used codes are rare.

Verdict per stage, with the defaults ``collapsed = 0.1``, ``usage = 0.5``,
``perplexity = 0.1`` (fractions of K):

* ``collapsed``: usage < ``collapsed`` — more than 90% of the codes are dead on the split;
* ``healthy``: usage >= ``usage`` and perplexity_norm >= ``perplexity`` — at least half
  the codes are used and the assignments spread over at least a tenth of them;
* ``partially collapsed``: everything else (many dead codes, or codes used but unevenly).

Overall: ``healthy`` when every stage is, ``collapsed`` when every stage is, else
``partially collapsed``. The labels are those of the posterior-collapse verdict
(:mod:`vaekit.metrics.verdict`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from torch import Tensor

from vaekit.metrics.verdict import COLLAPSED, HEALTHY, PARTIAL
from vaekit.ops import histogram_entropy
from vaekit.registry import ConfigError


@dataclass(frozen=True)
class CodebookStats:
    """Code use on a split: usage, perplexity, entropy averaged over stages; dead codes summed."""

    usage: float
    perplexity: float
    perplexity_norm: float
    entropy_bits: float
    dead_codes: int


def per_stage(counts: Tensor) -> dict[str, Tensor]:
    """``usage``, ``perplexity``, ``perplexity_norm``, ``entropy_bits``, ``dead_codes`` per row
    of ``counts (S, K)``, each ``(S,)``."""
    counts = counts.double().reshape(-1, counts.shape[-1])
    entropy = histogram_entropy(counts)
    k = counts.shape[-1]
    return {
        "usage": (counts > 0).double().mean(-1),
        "perplexity": entropy.exp(),
        "perplexity_norm": entropy.exp() / k,
        "entropy_bits": entropy / math.log(2),
        "dead_codes": (counts == 0).sum(-1),
    }


def codebook_stats(counts: Tensor) -> CodebookStats:
    """Stats from code histograms ``counts (S, K)``, one row per stage or group (VQ: S = 1)."""
    s = per_stage(counts)
    return CodebookStats(
        usage=s["usage"].mean().item(),
        perplexity=s["perplexity"].mean().item(),
        perplexity_norm=s["perplexity_norm"].mean().item(),
        entropy_bits=s["entropy_bits"].mean().item(),
        dead_codes=int(s["dead_codes"].sum()),
    )


@dataclass(frozen=True)
class CodebookThresholds:
    """Thresholds of the verdict, as fractions of the codebook size (see the module docstring)."""

    collapsed: float = 0.1
    usage: float = 0.5
    perplexity: float = 0.1

    def __post_init__(self) -> None:
        if not (0 <= self.collapsed <= self.usage <= 1 and 0 <= self.perplexity <= 1):
            raise ConfigError(
                "codebook thresholds need 0 <= collapsed <= usage <= 1 and 0 <= perplexity <= 1; "
                f"got collapsed={self.collapsed}, usage={self.usage}, "
                f"perplexity={self.perplexity}"
            )


@dataclass(frozen=True)
class CodebookVerdict:
    """One label per stage/group, the overall label, the numbers behind them and the reason."""

    overall: str
    labels: tuple[str, ...]
    usage: tuple[float, ...]
    perplexity_norm: tuple[float, ...]
    dead_codes: tuple[int, ...]
    codebook_size: int
    thresholds: CodebookThresholds

    @property
    def reason(self) -> str:
        """One line: the measurements against the thresholds, worst stage first when S > 1."""
        t = self.thresholds
        s = min(range(len(self.labels)), key=lambda i: self.usage[i])
        where = f"stage {s + 1}: " if len(self.labels) > 1 else ""
        usage, norm = self.usage[s], self.perplexity_norm[s]
        return (
            f"{where}{self.codebook_size - self.dead_codes[s]} of {self.codebook_size} codes "
            f"used ({usage:.1%}; collapsed below {t.collapsed:.0%}, healthy from {t.usage:.0%}), "
            f"{self.dead_codes[s]} dead; perplexity/K {norm:.3f} "
            f"(healthy from {t.perplexity:g})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: overall, per-stage labels and numbers, the reason and the thresholds."""
        t = self.thresholds
        return {
            "overall": self.overall,
            "per_stage": list(self.labels),
            "reason": self.reason,
            "thresholds": {"collapsed": t.collapsed, "usage": t.usage, "perplexity": t.perplexity},
        }


def _label(usage: float, norm: float, t: CodebookThresholds) -> str:
    if usage < t.collapsed:
        return COLLAPSED
    if usage >= t.usage and norm >= t.perplexity:
        return HEALTHY
    return PARTIAL


def codebook_verdict(
    counts: Tensor, thresholds: CodebookThresholds | None = None
) -> CodebookVerdict:
    """Label each stage's codebook from code counts ``counts (S, K)`` (or ``(K,)``)."""
    t = thresholds or CodebookThresholds()
    s = per_stage(counts)
    usage, norm = s["usage"].tolist(), s["perplexity_norm"].tolist()
    labels = tuple(_label(u, n, t) for u, n in zip(usage, norm, strict=True))
    overall = labels[0] if len(set(labels)) == 1 else PARTIAL
    return CodebookVerdict(
        overall=overall,
        labels=labels,
        usage=tuple(usage),
        perplexity_norm=tuple(norm),
        dead_codes=tuple(s["dead_codes"].tolist()),
        codebook_size=counts.shape[-1],
        thresholds=t,
    )
