"""Model registry and the shared config that assembles a :class:`LatentModel` from parts.

A registered model is a config dataclass: its fields are the saved config, its
docstring's first line is the description ``vaekit models`` prints, and
:meth:`LatentConfig.build` turns it into a model. A new model is a subclass that
changes defaults and :meth:`LatentConfig.default_objective` — a few lines.

Every model config has an ``objective`` field: ``None`` means the model's own objective
(built from its hyperparameters such as ``beta``), a list of term specs replaces it
(``[recon, {name: kl, weight: 4}]``, see :mod:`vaekit.objectives`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from vaekit.likelihoods import LIKELIHOODS
from vaekit.models.latent import LatentModel
from vaekit.nn import DECODERS, ENCODERS
from vaekit.objectives import Objective, build_objective
from vaekit.posteriors import POSTERIORS
from vaekit.priors import PRIORS
from vaekit.registry import ConfigError, Registry, VaekitError

MODELS: Registry[Any] = Registry("model")

Spec = str | dict[str, Any]


class ObjectiveConfig:
    """The rule of the ``objective`` field that every model config has.

    ``objective_fields`` names the hyperparameters that :meth:`default_objective` reads;
    setting one of them away from its default while also giving ``objective`` is an
    error (it would be silently unused).
    """

    objective: list[Spec] | None
    objective_fields: ClassVar[tuple[str, ...]] = ()
    nonnegative: ClassVar[tuple[str, ...]] = ()

    def default_objective(self) -> list[Spec]:
        """The model's own objective as term specs; each model overrides this."""
        raise NotImplementedError

    def build_objective(self, **fixed: Any) -> Objective:
        """The configured objective (``objective``, else the model's own); ``fixed`` go to
        the terms that take them (``latent_dim``). Weights named in ``nonnegative`` must
        be ≥ 0 (a negative β rewards the KL)."""
        for key in self.nonnegative:
            if not getattr(self, key) >= 0:
                raise ConfigError(f"model.{key} must be >= 0, got {getattr(self, key)}")
        if self.objective is None:
            return build_objective(self.default_objective(), **fixed)
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        changed = [k for k in self.objective_fields if getattr(self, k) != defaults[k]]
        if changed:
            raise ConfigError(
                f"model.{changed[0]} has no effect when model.objective is given; "
                "set it in the objective's terms instead"
            )
        return build_objective(self.objective, **fixed)


@dataclass
class LatentConfig(ObjectiveConfig):
    """Fields shared by every latent-variable model; parts are registry specs.

    A spec is a registered name or ``{name: ..., **constructor options}``. The prior
    is built with ``latent_dim`` and, where its factory accepts them, the data's
    ``input_shape`` and ``num_classes``.
    """

    name: str = "vae"
    latent_dim: int = 16
    encoder: Spec = field(default_factory=lambda: {"name": "mlp", "hidden": [512, 256]})
    decoder: Spec = field(default_factory=lambda: {"name": "mlp", "hidden": [256, 512]})
    posterior: Spec = "gaussian"
    prior: Spec | None = "standard_normal"
    likelihood: Spec = "bernoulli"
    conditional: bool = False
    objective: list[Spec] | None = None

    def build(self, input_shape: Sequence[int], num_classes: int | None = None) -> LatentModel:
        """Assemble the model for data of per-example ``input_shape``."""
        if self.latent_dim < 1:
            raise ConfigError(f"model.latent_dim must be >= 1, got {self.latent_dim}")
        n_cls = 0
        if self.conditional:
            if not num_classes:
                raise VaekitError(f"model {self.name!r} is conditional and needs labelled data")
            n_cls = num_classes
        likelihood = build_likelihood(self.likelihood, input_shape)
        encoder = build_part(ENCODERS, self.encoder, "encoder", in_shape=tuple(input_shape))
        posterior = build_part(
            POSTERIORS,
            self.posterior,
            "posterior",
            features=encoder.out_features + n_cls,
            latent_dim=self.latent_dim,
        )
        prior = (
            None
            if self.prior is None
            else build_part(
                PRIORS,
                self.prior,
                "prior",
                latent_dim=self.latent_dim,
                input_shape=tuple(input_shape),
                num_classes=n_cls or num_classes or 0,
            )
        )
        decoder = build_part(
            DECODERS,
            self.decoder,
            "decoder",
            latent_dim=self.latent_dim + n_cls,
            out_shape=tuple(input_shape),
            num_params=likelihood.num_params,
        )
        objective = self.build_objective(latent_dim=self.latent_dim)
        model = LatentModel(
            encoder,
            posterior,
            prior,
            decoder,
            likelihood,
            objective,
            input_shape=input_shape,
            latent_dim=self.latent_dim,
            num_classes=n_cls,
        )
        objective.check(model)
        return model


def build_likelihood(spec: Spec, input_shape: Sequence[int]) -> Any:
    """The likelihood for data of per-example ``input_shape`` (its event dimensions set)."""
    likelihood = build_part(LIKELIHOODS, spec, "likelihood")
    likelihood.event_ndim = len(input_shape)
    return likelihood


def build_part(registry: Registry[Any], spec: Spec, key: str, **fixed: Any) -> Any:
    """Build a part, turning a constructor's ValueError into a config error naming the key."""
    try:
        return registry.build(spec, **fixed)
    except (TypeError, ValueError) as e:
        if isinstance(e, VaekitError):
            raise
        raise ConfigError(f"model.{key}: {e}") from None
