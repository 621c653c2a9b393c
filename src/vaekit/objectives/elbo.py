"""The ELBO's terms: reconstruction, KL (weighted: β-VAE) and capacity annealing.

``[recon, kl]`` is the VAE's −ELBO; ``[recon, {name: kl, weight: β}]`` the β-VAE
(Higgins et al. 2017); ``[recon]`` a plain autoencoder; ``[recon, {name: capacity,
weight: γ, c_max, c_steps}]`` capacity annealing (Burgess et al. 2018).
"""

from __future__ import annotations

from torch import Tensor, nn

from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.protocols import HasLikelihood, HasPosterior
from vaekit.registry import ConfigError
from vaekit.types import StepContext


def require_prior(term: Term, model: nn.Module) -> None:
    """Raise :class:`ConfigError` unless ``model`` has a posterior and a prior p(z)."""
    if not isinstance(model, HasPosterior) or model.prior is None:
        raise ConfigError(
            f"objective term {term.name!r} needs a posterior q(z|x) and a prior p(z); "
            f"this {type(model).__name__} has no prior (a deterministic autoencoder?)"
        )


@TERMS.register("recon")
class Reconstruction(Term):
    """−log p(x | z) per example (nats), at the pass's latent: a sample of q(z|x) or z_q."""

    name = "recon"
    requires = (HasLikelihood,)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        return -p.log_px


@TERMS.register("kl")
class KL(Term):
    """KL(q(z|x) ‖ p(z)) per example: analytic when registered, else log q − log p at z.

    Its weight is β (β-VAE); the engine's KL warm-up multiplies it too.
    """

    name = "kl"
    warmup = True

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        return p.kl  # type: ignore[attr-defined]


@TERMS.register("capacity")
class Capacity(Term):
    """|mean KL − C(t)| for the batch (Burgess et al. 2018); its weight is γ.

    The target capacity C rises linearly from 0 to ``c_max`` nats over ``c_steps``
    optimizer steps, then stays. Logs the KL per example and ``capacity`` = C(t).
    """

    name = "capacity"

    def __init__(self, c_max: float = 25.0, c_steps: int = 10_000) -> None:
        super().__init__()
        if c_steps < 1:
            raise ValueError(f"c_steps must be >= 1, got {c_steps}")
        self.c_max, self.c_steps = c_max, c_steps

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def capacity(self, step: int) -> float:
        """C(t) = c_max · min(1, t / c_steps)."""
        return self.c_max * min(1.0, step / self.c_steps)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        kl = p.kl  # type: ignore[attr-defined]
        c = self.capacity(ctx.step)
        logs.terms["kl"] = kl
        logs.stats["capacity"] = kl.new_tensor(c)
        return (kl.mean() - c).abs()
