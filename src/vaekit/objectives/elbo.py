"""Single-sample ELBO objectives: reconstruction only (AE), β-weighted ELBO, capacity annealing."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn

from vaekit.distributions import kl_term
from vaekit.types import StepContext, StepOut


@dataclass(frozen=True)
class ELBOTerms:
    """Per-example reconstruction NLL and KL ``(B,)``, from one posterior sample."""

    recon: Tensor
    kl: Tensor


def elbo_terms(model: nn.Module, x: Tensor, y: Tensor | None) -> ELBOTerms:
    """−log p(x|z) with z ~ q(z|x) (reparameterised), and KL(q(z|x) ‖ p(z))."""
    q = model.encode(x, y)
    z = q.rsample()
    recon = -model.log_px_given_z(x, z, y)
    return ELBOTerms(recon, kl_term(q, model.prior_dist(), z))


class Reconstruction(nn.Module):
    """−log p(x | z) at the deterministic code: a plain autoencoder's loss."""

    def forward(self, model: nn.Module, x: Tensor, y: Tensor | None, ctx: StepContext) -> StepOut:
        z = model.encode(x, y).rsample()
        recon = -model.log_px_given_z(x, z, y)
        return StepOut(recon.mean(), {"recon": recon})


class ELBO(nn.Module):
    """−ELBO with the KL weighted by β (Higgins et al. 2017) and the engine's warm-up factor.

    loss = E[−log p(x|z)] + β · w(t) · KL(q(z|x) ‖ p(z)); β = 1 is the VAE.
    """

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = beta

    def forward(self, model: nn.Module, x: Tensor, y: Tensor | None, ctx: StepContext) -> StepOut:
        t = elbo_terms(model, x, y)
        loss = t.recon + (self.beta * ctx.kl_weight) * t.kl
        return StepOut(loss.mean(), {"recon": t.recon, "kl": t.kl})


class CapacityELBO(nn.Module):
    """Capacity annealing (Burgess et al. 2018): recon + γ · |KL − C(t)|.

    The target capacity C rises linearly from 0 to ``c_max`` nats over ``c_steps``
    optimizer steps, then stays at ``c_max``.
    """

    def __init__(self, gamma: float = 100.0, c_max: float = 25.0, c_steps: int = 10_000) -> None:
        super().__init__()
        if c_steps < 1:
            raise ValueError(f"c_steps must be >= 1, got {c_steps}")
        self.gamma, self.c_max, self.c_steps = gamma, c_max, c_steps

    def capacity(self, step: int) -> float:
        """C(t) = c_max · min(1, t / c_steps)."""
        return self.c_max * min(1.0, step / self.c_steps)

    def forward(self, model: nn.Module, x: Tensor, y: Tensor | None, ctx: StepContext) -> StepOut:
        t = elbo_terms(model, x, y)
        c = self.capacity(ctx.step)
        loss = t.recon + self.gamma * (t.kl.mean() - c).abs()
        return StepOut(
            loss.mean(), {"recon": t.recon, "kl": t.kl}, {"capacity": t.kl.new_tensor(c)}
        )
