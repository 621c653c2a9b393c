"""Python entry points, one module per job; the CLI calls these and only formats results.

* :mod:`~vaekit.api.configs` — ``default_config``, ``make_config``, ``config_from_dict``;
* :mod:`~vaekit.api.training` — ``train``, ``resume`` (Ctrl-C raises
  :class:`~vaekit.api.interrupts.Interrupted`, saying how to resume);
* :mod:`~vaekit.api.runs` — ``load`` a run directory (``Run``);
* :mod:`~vaekit.api.evaluating` — ``evaluate``, ``load_eval_data``, ``split_of``;
* :mod:`~vaekit.api.pictures` — ``draw_pictures``, ``draw_codebook_usage``;
* :mod:`~vaekit.api.diagnosing` — ``diagnose``;
* :mod:`~vaekit.api.prior` — ``train_prior`` over a quantized run's codes;
* :mod:`~vaekit.api.sampling` — ``generate`` from the prior or a post-hoc latent
  sampler (``fit_sampler``, ``load_sampler``) fitted on a run's codes.

>>> cfg = vaekit.api.make_config(model="vae", overrides=["train.epochs=5"])
>>> result = vaekit.api.train(cfg, out="runs/vae")
>>> run = vaekit.api.load("runs/vae")
>>> run.model.log_likelihood(x, k=1000)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, imported lazily below
    from vaekit.api.configs import config_from_dict, default_config, make_config
    from vaekit.api.diagnosing import Diagnosis, diagnose
    from vaekit.api.evaluating import evaluate, load_eval_data, split_of
    from vaekit.api.interrupts import Interrupted
    from vaekit.api.pictures import draw_codebook_usage, draw_pictures
    from vaekit.api.prior import PriorResult, train_prior
    from vaekit.api.runs import Run, load, load_run_config
    from vaekit.api.sampling import fit_sampler, generate, load_sampler
    from vaekit.api.training import TrainResult, default_out, resume, train
    from vaekit.rundir import RunDir, RunDirError

# name → the module that defines it: imported on first use, so that ``vaekit config`` and
# the listings do not load the evaluation stack (matplotlib, scikit-learn, zuko)
_WHERE = {
    "config_from_dict": "vaekit.api.configs",
    "default_config": "vaekit.api.configs",
    "make_config": "vaekit.api.configs",
    "Diagnosis": "vaekit.api.diagnosing",
    "diagnose": "vaekit.api.diagnosing",
    "evaluate": "vaekit.api.evaluating",
    "load_eval_data": "vaekit.api.evaluating",
    "split_of": "vaekit.api.evaluating",
    "Interrupted": "vaekit.api.interrupts",
    "draw_codebook_usage": "vaekit.api.pictures",
    "draw_pictures": "vaekit.api.pictures",
    "PriorResult": "vaekit.api.prior",
    "train_prior": "vaekit.api.prior",
    "Run": "vaekit.api.runs",
    "load": "vaekit.api.runs",
    "load_run_config": "vaekit.api.runs",
    "fit_sampler": "vaekit.api.sampling",
    "generate": "vaekit.api.sampling",
    "load_sampler": "vaekit.api.sampling",
    "TrainResult": "vaekit.api.training",
    "default_out": "vaekit.api.training",
    "resume": "vaekit.api.training",
    "train": "vaekit.api.training",
    "RunDir": "vaekit.rundir",
    "RunDirError": "vaekit.rundir",
}
__all__ = [
    "Diagnosis",
    "Interrupted",
    "PriorResult",
    "Run",
    "RunDir",
    "RunDirError",
    "TrainResult",
    "config_from_dict",
    "default_config",
    "default_out",
    "diagnose",
    "draw_codebook_usage",
    "draw_pictures",
    "evaluate",
    "fit_sampler",
    "generate",
    "load",
    "load_eval_data",
    "load_run_config",
    "load_sampler",
    "make_config",
    "resume",
    "split_of",
    "train",
    "train_prior",
]


def __getattr__(name: str) -> Any:
    """Import the module defining ``name`` on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'vaekit.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
