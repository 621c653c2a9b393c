"""Objectives are weighted sums of registered terms.

A term reads a model's *pass* over one batch — the lazily computed, cached quantities
of one objective evaluation (``q``, ``z``, ``log_px``, ``kl``, ``quant``) — and returns
its value: per example ``(B,)`` or for the whole batch ``()``. :class:`Objective` sums
``weight · value`` (per-example values averaged over the batch), logs each value under
the term's name (``terms`` for ``(B,)``, ``batch_terms`` for scalars) and collects
what terms log besides. Nothing is computed twice: every term of a step reads the same
pass, so ``recon`` and ``kl`` share one posterior sample.

A config names its objective as a list of term specs, each a registered name or a
mapping ``{name: ..., weight: ..., **options}``::

    objective: [recon, {name: kl, weight: 4.0}]                # β-VAE, β = 4
    objective: [{name: iwae, k: 50}]                           # IWAE
    objective: [recon, {name: capacity, weight: 100, c_max: 25}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from torch import Tensor, nn

from vaekit.registry import ConfigError, Registry, VaekitError, split_spec
from vaekit.types import Batch, ParamGroup, Step, StepContext, StepOut

TERMS: Registry[Term] = Registry("objective term")


class Pass(Protocol):
    """One objective evaluation's shared quantities, computed on first use and cached.

    Continuous models provide ``q`` (q(z|x)), ``z`` (one reparameterised draw ``(B, D)``),
    ``prior`` (p(z)), ``log_px`` (log p(x|z) ``(B,)``) and ``kl`` (``(B,)``, analytic
    when registered); quantized models provide ``quant`` (a ``QuantOut``), ``z`` (= z_q)
    and ``log_px``.
    """

    model: Any
    batch: Batch
    z: Tensor
    log_px: Tensor


class Logs:
    """What terms log besides their values: per-example ``terms``, scalar ``batch_terms``
    and detached ``stats``, merged into the step's :class:`~vaekit.types.StepOut`."""

    __slots__ = ("batch_terms", "stats", "terms")

    def __init__(self) -> None:
        self.terms: dict[str, Tensor] = {}
        self.batch_terms: dict[str, Tensor] = {}
        self.stats: dict[str, Tensor] = {}


class Term(nn.Module):
    """One piece of an objective: ``forward(pass, ctx, logs) -> (B,) or ()``.

    The value is logged under ``name`` (which may differ from the registry name); what a
    term logs besides goes into ``logs`` under other names.

    ``warmup`` terms are multiplied by the engine's KL warm-up weight as well as their
    own weight; ``requires`` are the model capabilities (:mod:`vaekit.protocols`) the
    term reads, checked when the model is assembled. A term with parameters of its own
    that another loss trains (a discriminator) declares them in :meth:`optimizers` and
    the update that trains them in :meth:`steps`; the model runs those steps after its
    main step.
    """

    name: ClassVar[str]
    warmup: ClassVar[bool] = False
    requires: ClassVar[tuple[type, ...]] = ()

    def __init__(self) -> None:  # a signature with no options, for the registry's checks
        super().__init__()

    def check(self, model: nn.Module) -> None:
        """Raise :class:`ConfigError` if ``model`` lacks what this term reads."""
        missing = [p.__name__ for p in self.requires if not isinstance(model, p)]
        if missing:
            raise ConfigError(
                f"objective term {self.name!r} needs a model that {' and '.join(missing)}; "
                f"{type(model).__name__} does not"
            )

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        """The term's value for the batch."""
        raise NotImplementedError

    def optimizers(self) -> dict[str, ParamGroup]:
        """Optimizers of the term's own parameters, by name (none by default)."""
        return {}

    def steps(self, model: nn.Module) -> list[Step]:
        """Updates of the term's own parameters, run after the model's main step."""
        return []


class Objective(nn.Module):
    """Σ weight_i · term_i: the loss of a model's step, with every value logged by name."""

    def __init__(self, terms: Sequence[tuple[float, Term]]) -> None:
        super().__init__()
        if not terms:
            raise ConfigError("an objective needs at least one term")
        names = [t.name for _, t in terms]
        if len(set(names)) != len(names):
            raise ConfigError(f"an objective names each term once, got {', '.join(names)}")
        self.weights = [float(w) for w, _ in terms]
        self.terms = nn.ModuleList([t for _, t in terms])
        # terms' forward methods are called directly: no module hooks on terms, and no
        # module dispatch per term per step
        self._plan = [
            (t.name, w, t.warmup, t.forward) for w, t in zip(self.weights, self.terms, strict=True)
        ]

    def check(self, model: nn.Module) -> None:
        """Check every term against ``model`` (see :meth:`Term.check`)."""
        for term in self.terms:
            term.check(model)

    def optimizers(self) -> dict[str, ParamGroup]:
        """Every term's own optimizers; a name declared twice is an error."""
        out: dict[str, ParamGroup] = {}
        for term in self.terms:
            for name, group in term.optimizers().items():
                if name in out or name == "main":
                    raise ConfigError(f"two parts of the objective declare optimizer {name!r}")
                out[name] = group
        return out

    def steps(self, model: nn.Module) -> list[Step]:
        """Every term's own updates, in term order."""
        return [step for term in self.terms for step in term.steps(model)]

    def forward(self, p: Pass, ctx: StepContext) -> StepOut:
        """The step's loss and logs from one pass."""
        logs = Logs()
        per_example: Tensor | None = None
        scalar: Tensor | None = None
        for name, weight, warmup, forward in self._plan:
            value = forward(p, ctx, logs)
            w = weight * ctx.kl_weight if warmup else weight
            weighted = value if w == 1.0 else w * value
            if value.dim() == 0:
                logs.batch_terms[name] = value
                scalar = weighted if scalar is None else scalar + weighted
            else:
                logs.terms[name] = value
                per_example = weighted if per_example is None else per_example + weighted
        if per_example is None:
            loss = scalar
        else:
            loss = per_example.mean() if scalar is None else per_example.mean() + scalar
        return StepOut(loss, logs.terms, logs.batch_terms, logs.stats)


def build_objective(specs: Sequence[str | Mapping[str, Any]], **fixed: Any) -> Objective:
    """An :class:`Objective` from term specs (names or ``{name, weight, **options}``).

    ``fixed`` are what the model supplies to terms that ask for them (``latent_dim``).
    Unknown term names list the registered ones; unknown options list the valid ones.
    """
    if isinstance(specs, str | Mapping):
        specs = [specs]
    terms = []
    for spec in specs:
        name, options = split_spec(spec, "objective term")
        weight = options.pop("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigError(f"objective term {name!r}: weight must be a number, got {weight!r}")
        try:
            term = TERMS.build({"name": name, **options}, **fixed)
        except (TypeError, ValueError) as e:
            if isinstance(e, VaekitError):
                raise
            raise ConfigError(f"objective term {name!r}: {e}") from None
        terms.append((weight, term))
    return Objective(terms)
