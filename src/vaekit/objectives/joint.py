"""JointVAE's regulariser: one capacity for the continuous latents, one for the categorical
ones, and the Gumbel-softmax temperature schedule (Dupont 2018, "Learning Disentangled Joint
Continuous and Discrete Representations")."""

from __future__ import annotations

import math

from torch import Tensor, nn

from vaekit.distributions.joint import JointNormalCategorical, kl_parts
from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.registry import ConfigError, VaekitError
from vaekit.types import StepContext


def linear_capacity(step: int, c_max: float, c_steps: int) -> float:
    """C(t) = c_max · min(1, t / c_steps)."""
    return c_max * min(1.0, step / c_steps)


def annealed_temperature(step: int, start: float, end: float, steps: int) -> float:
    """τ(t) = start · (end / start)^min(1, t / steps): geometric from ``start`` to ``end``."""
    return start * (end / start) ** min(1.0, step / steps)


@TERMS.register("joint_capacity")
class JointCapacity(Term):
    """γ_c |KL_c − C_c(t)| + γ_d |KL_d − C_d(t)| for the batch (Dupont 2018, eq. 7).

    KL_c is the mean KL of the Gaussian latents and KL_d that of the categorical ones,
    Σ_j KL(Cat(π_j) ‖ uniform), both analytic (:func:`~vaekit.distributions.joint.kl_parts`).
    Each capacity C rises linearly from 0 to its ``c_max`` nats over its ``c_steps``
    optimizer steps; C_d stops at Σ_j log K_j, the most the categoricals can carry. The
    paper's dSprites settings are the defaults (C_c → 40, C_d → 1.1 over 300,000 steps,
    γ = 150 each).

    The relaxation's temperature falls geometrically from ``temperature_start`` to the
    posterior's own ``temperature`` over ``temperature_steps`` (Jang et al. 2017 anneal it;
    Dupont keeps 0.67 throughout: set ``temperature_start`` to it). The term sets it on
    q before anything draws z, so it must come first in the objective (checked), as in
    ``[joint_capacity, recon]``. Needs the ``joint`` posterior and prior. Logs ``kl_cont``
    and ``kl_disc`` per example and the stats ``capacity_cont``, ``capacity_disc`` and
    ``temperature``; in eval mode the posterior draws exact one-hot codes and τ is not set.
    """

    name = "joint_capacity"

    def __init__(
        self,
        cont_gamma: float = 150.0,
        cont_c_max: float = 40.0,
        cont_c_steps: int = 300_000,
        disc_gamma: float = 150.0,
        disc_c_max: float = 1.1,
        disc_c_steps: int = 300_000,
        temperature_start: float = 1.0,
        temperature_steps: int = 10_000,
    ) -> None:
        super().__init__()
        for key, value in {"cont_c_steps": cont_c_steps, "disc_c_steps": disc_c_steps}.items():
            if value < 1:
                raise ValueError(f"{key} must be >= 1, got {value}")
        if temperature_steps < 1 or not temperature_start > 0:
            raise ValueError(
                "temperature_start must be > 0 and temperature_steps >= 1, got "
                f"{temperature_start} and {temperature_steps}"
            )
        if min(cont_gamma, cont_c_max, disc_gamma, disc_c_max) < 0:
            raise ValueError("the capacities' gammas and c_max must be >= 0")
        self.cont = (cont_gamma, cont_c_max, cont_c_steps)
        self.disc = (disc_gamma, disc_c_max, disc_c_steps)
        self.temperature_start, self.temperature_steps = temperature_start, temperature_steps

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)
        if not isinstance(model.prior_dist(), JointNormalCategorical):  # type: ignore[operator]
            raise ConfigError(
                "objective term 'joint_capacity' needs the joint posterior and prior "
                "(model.posterior.name and model.prior.name: joint)"
            )
        if next(iter(model.objective.terms)) is not self:  # type: ignore[union-attr]
            raise ConfigError(
                "objective term 'joint_capacity' must come first in model.objective: it "
                "sets the Gumbel-softmax temperature before the other terms draw z"
            )

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        q, prior = p.q, p.prior  # type: ignore[attr-defined]
        if not isinstance(q, JointNormalCategorical):
            raise VaekitError("objective term 'joint_capacity' needs the joint posterior")
        if ctx.training and q.temperature > 0:
            q.temperature = annealed_temperature(
                ctx.step, self.temperature_start, q.temperature, self.temperature_steps
            )
        kl_cont, kl_disc = kl_parts(q, prior)
        gamma_c, c_max_c, steps_c = self.cont
        gamma_d, c_max_d, steps_d = self.disc
        cap_c = linear_capacity(ctx.step, c_max_c, steps_c)
        cap_d = min(linear_capacity(ctx.step, c_max_d, steps_d), sum(map(math.log, q.sizes)))
        logs.terms.update(kl_cont=kl_cont, kl_disc=kl_disc)
        logs.stats.update(
            capacity_cont=kl_cont.new_tensor(cap_c),
            capacity_disc=kl_cont.new_tensor(cap_d),
            temperature=kl_cont.new_tensor(q.temperature),
        )
        return gamma_c * (kl_cont.mean() - cap_c).abs() + gamma_d * (kl_disc.mean() - cap_d).abs()
