"""The result of an evaluation: one dataclass for every kind of model."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
