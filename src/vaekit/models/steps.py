"""The engine contract of a model assembled from parts: a ``main`` optimizer and step, plus
the optimizers and steps its objective's terms declare."""

from __future__ import annotations

from torch import nn

from vaekit.objectives import Objective
from vaekit.types import ParamGroup, Step


class ObjectiveSteps:
    """Mixin for a model with ``objective`` and ``step(batch, ctx)``.

    ``main`` updates every trainable parameter that no term claims; a term with its own
    parameters (a discriminator) gets its own optimizer and step, run after ``main``.
    """

    objective: Objective

    def optimizers(self) -> dict[str, ParamGroup]:
        """``main`` and the objective's own optimizers."""
        extra = self.objective.optimizers()
        owned = {id(p) for group in extra.values() for p in group.params}
        params: list[nn.Parameter] = [
            p
            for p in self.parameters()  # type: ignore[attr-defined]
            if p.requires_grad and id(p) not in owned
        ]
        return {"main": ParamGroup(params), **extra}

    def steps(self) -> list[Step]:
        """The main step, then the objective's own steps."""
        return [Step("main", "main", self.step), *self.objective.steps(self)]  # type: ignore[attr-defined]
