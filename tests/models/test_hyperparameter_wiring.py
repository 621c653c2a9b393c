"""Every numeric hyperparameter of every registered model reaches the training loss.

For each model, the numeric options of its config and of the parts it names (posterior,
prior, likelihood, quantizer and the quantizer's strategies, objective terms) are changed
one at a time; three training steps on a fixed batch and seed must then give a different
sequence of losses. A β that is parsed but ignored, a k that does not reach the bound or a
commitment weight that never multiplies anything fails here. Network sizes are left out
(they change the architecture, not a hyperparameter of the objective).
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from vaekit.config import from_dict
from vaekit.likelihoods import LIKELIHOODS
from vaekit.models import MODELS, QuantizedConfig
from vaekit.objectives import TERMS
from vaekit.posteriors import POSTERIORS
from vaekit.priors import PRIORS
from vaekit.quantizers import GRADIENTS, INITS, QUANTIZERS, UPDATES
from vaekit.registry import Registry
from vaekit.types import Batch, StepContext

PART_REGISTRIES = {
    "posterior": POSTERIORS,
    "prior": PRIORS,
    "likelihood": LIKELIHOODS,
    "quantizer": QUANTIZERS,
}
STRATEGY_REGISTRIES = {
    "update": UPDATES,
    "gradient": GRADIENTS,
    "init": INITS,
    "quantizer": QUANTIZERS,
}
# options the engine or model supplies, not the user
FIXED = {"dim", "latent_dim", "features", "input_shape", "num_classes", "in_shape", "out_shape"}
# (model, option path): why three steps on one batch cannot show a change in the loss
EXEMPT = {
    ("vqvae", "quantizer.dead_after"): "without reseed_dead it only feeds the dead_codes stat",
    ("vqvae_rotation", "quantizer.dead_after"): "without reseed_dead it only feeds a stat",
    ("cvq_vae", "quantizer.dead_after"): "without reseed_dead it only feeds a stat",
    ("simvq_vae", "quantizer.dead_after"): "SimVQ does not reseed: it only feeds a stat",
    ("rvq_vae", "quantizer.quantizer.dead_after"): "without reseed_dead it only feeds a stat",
    ("grouped_vq_vae", "quantizer.quantizer.dead_after"): "without reseed_dead: a stat only",
}
SHAPE = (1, 8, 8)
DEFAULT_SPECS: dict[str, Any] = {}  # path → the spec a part uses when the config is silent


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _spec_options(
    registry: Registry, spec: Any, prefix: str, depth: int = 0
) -> Iterator[tuple[str, Any]]:
    """(path, current value) of the numeric options of a part spec and its strategies."""
    if spec is None:
        return
    name, given = (spec, {}) if isinstance(spec, str) else (spec["name"], spec)
    params = inspect.signature(registry.get(name)).parameters
    for key, param in params.items():
        if key in FIXED or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        if depth and key == "codebook_size":  # a stage's size is its holder's codebook_size
            continue
        value = given.get(key, param.default)
        if _numeric(value):
            yield f"{prefix}.{key}", value
        elif key in STRATEGY_REGISTRIES and depth < 2 and isinstance(value, str | dict):
            DEFAULT_SPECS[f"{prefix}.{key}"] = value
            yield from _spec_options(STRATEGY_REGISTRIES[key], value, f"{prefix}.{key}", depth + 1)


def hyperparameters(name: str) -> list[tuple[str, Any]]:
    cfg = MODELS.get(name)()
    found = []
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if _numeric(value):
            found.append((f.name, value))
        elif f.name in PART_REGISTRIES:
            found += _spec_options(PART_REGISTRIES[f.name], value, f.name)
        elif f.name == "objective" and value is not None:
            for i, term in enumerate(value):
                found += _spec_options(TERMS, term, f"objective.{i}")
    return found


def _set(tree: dict, path: str, value: Any) -> dict:
    tree = copy.deepcopy(tree)
    node, keys = tree, path.split(".")
    for i, key in enumerate(keys[:-1]):
        key = int(key) if isinstance(node, list) else key
        child = node[key] if key in node else copy.deepcopy(DEFAULT_SPECS[".".join(keys[: i + 1])])
        if isinstance(child, str):
            child = {"name": child}
        node[key] = child
        node = child
    node[keys[-1]] = value
    return tree


def _small(name: str) -> dict:
    nets = (
        {
            "encoder": {"name": "conv_grid", "channels": 8},
            "decoder": {"name": "conv_grid", "channels": 8},
        }
        if issubclass(MODELS.get(name), QuantizedConfig)
        else {
            "encoder": {"name": "mlp", "hidden": [16]},
            "decoder": {"name": "mlp", "hidden": [16]},
        }
    )
    return {**dataclasses.asdict(MODELS.get(name)()), "latent_dim": 4, **nets}


def losses(name: str, tree: dict, steps: int = 3) -> torch.Tensor:
    """The losses of ``steps`` training steps (every optimizer, as the engine runs them)."""
    cfg = from_dict(MODELS.get(name), tree, "model")
    torch.manual_seed(0)
    model = cfg.build(SHAPE, num_classes=3).train()
    opts = {k: torch.optim.Adam(g.params, lr=1e-2) for k, g in model.optimizers().items()}
    gen = torch.Generator().manual_seed(1)
    batch = Batch(torch.rand(16, *SHAPE, generator=gen).round(), torch.arange(16) % 3)
    out = []
    for t in range(steps):
        ctx = StepContext(step=t, dataset_size=64, batch_size=16)
        for step in model.steps():
            result = step.fn(batch, ctx)
            opts[step.optimizer].zero_grad(set_to_none=True)
            result.loss.backward()
            opts[step.optimizer].step()
            out.append(result.loss.detach())
    return torch.stack(out)


def _changed(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value * 2 if value else 0.5, value / 2 if value else 0.1, 0.0]
    return [value * 2, max(1, value // 2), 1]


CASES = [(name, path, value) for name in MODELS.names() for path, value in hyperparameters(name)]


def test_every_model_has_hyperparameters_found():
    found = {name for name, _, _ in CASES}
    assert found == set(MODELS.names())
    paths = {(name, path) for name, path, _ in CASES}
    for expected in [
        ("beta_vae", "beta"),
        ("iwae", "k"),
        ("miwae", "m"),
        ("piwae", "m"),
        ("ciwae", "beta"),
        ("wae_mmd", "lam"),
        ("wae_gan", "lam"),
        ("swae", "projections"),
        ("beta_vae_capacity", "gamma"),
        ("beta_vae_capacity", "c_max"),
        ("beta_vae_capacity", "c_steps"),
        ("vqvae", "quantizer.beta"),
        ("vqvae_ema", "quantizer.update.decay"),
        ("lfq_vae", "quantizer.entropy_weight"),
    ]:
        assert expected in paths


@pytest.mark.parametrize(("name", "path", "value"), CASES, ids=[f"{n}:{p}" for n, p, _ in CASES])
def test_changing_a_hyperparameter_changes_the_loss(name, path, value):
    if (name, path) in EXEMPT:
        pytest.skip(EXEMPT[(name, path)])
    base = _small(name)
    reference = losses(name, base)
    refused = []
    for other in _changed(value):
        if other == value:
            continue
        try:
            changed = losses(name, _set(base, path, other))
        except ValueError as e:  # a value the part refuses (a decay >= 1): try another
            refused.append(f"{other}: {e}")
            continue
        if not torch.equal(changed, reference):
            return
    pytest.fail(f"{name}: changing {path} from {value} does not change the loss; {refused}")
