"""``vaekit diagnose``: collapse, information and disentanglement diagnostics of a run,
written into its directory as ``diagnostics.json`` and PNGs (see docs/diagnostics.md).

Files written (each refreshed by a later diagnose, none written over a file that
diagnose did not write — the previous ``diagnostics.json`` lists its files; a picture
of an earlier diagnose that this one does not draw is removed):

* ``diagnostics.json`` — :meth:`Diagnostics.to_dict` plus ``disentanglement`` (factor
  matrices, or ``null`` without factors) and ``pictures``;
* ``diagnose_kl.png`` — KL per dimension, mean-active dimensions highlighted;
* ``traversals.png`` — the first example's code, each dimension swept over [−3, 3],
  rows sorted by KL (at most 32 rows); for a posterior with categorical latents
  (JointVAE) its continuous dimensions, with the categories at their most likely values;
* ``traversals_discrete.png`` — with categorical latents: one row per categorical, set
  to each of its categories in turn;
* ``latent_map.png`` — posterior means on two axes, coloured by label or first factor;
* ``mig_matrix.png``, ``dci_importance.png`` — with ground-truth factors only.

The heat maps use at most 2,000 examples; DCI's importances come from the published
gradient-boosted trees, grown presorted (``fast_gbt`` in
:data:`vaekit.metrics.IMPORTANCE_MODELS`), so its D and C scores are the published
definition on those examples.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from vaekit.api.evaluating import load_eval_data, split_of
from vaekit.data import DataSplits
from vaekit.distributions.joint import JointNormalCategorical
from vaekit.evaluation.diagnostics import Diagnostics, diagnose_stats, model_log_prior
from vaekit.evaluation.encodings import PosteriorStats, encode_posterior
from vaekit.evaluation.named_metrics import checked_metric
from vaekit.metrics.verdict import CollapseThresholds
from vaekit.progress import phase
from vaekit.protocols import HasPosterior
from vaekit.registry import VaekitError
from vaekit.rundir import RunDir
from vaekit.types import DataSource
from vaekit.viz import save_heatmap, save_kl_bars, save_latent_map, save_traversals
from vaekit.viz.traversals import category_codes, most_likely_blocks, traversal_codes

if TYPE_CHECKING:
    from vaekit.api.runs import Run

DIAGNOSTICS = "diagnostics.json"
PICTURES = {
    "kl_per_dim": "diagnose_kl.png",
    "traversals": "traversals.png",
    "traversals_discrete": "traversals_discrete.png",
    "latent_map": "latent_map.png",
    "mig_matrix": "mig_matrix.png",
    "dci_importance": "dci_importance.png",
}
MATRIX_EXAMPLES, MAX_TRAVERSAL_ROWS, DCI_MODEL = 2000, 32, "fast_gbt"


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`vaekit.api.diagnose` returns: the measurements and the written files."""

    diagnostics: Diagnostics
    disentanglement: dict[str, Any] | None
    pictures: dict[str, Path]
    path: Path

    def to_dict(self) -> dict[str, Any]:
        """The content of ``diagnostics.json``."""
        return {
            **self.diagnostics.to_dict(),
            "disentanglement": self.disentanglement,
            "pictures": {k: p.name for k, p in self.pictures.items()},
            "written_by": "vaekit diagnose",
        }


def _owned(run_dir: RunDir) -> set[str]:
    """Files an earlier diagnose wrote; error if ``diagnostics.json`` is someone else's."""
    path = run_dir / DIAGNOSTICS
    if not path.exists():
        return set()
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = None
    if not (
        isinstance(previous, dict)
        and previous.get("written_by") == "vaekit diagnose"
        and isinstance(previous.get("pictures"), dict)
    ):
        raise VaekitError(
            f"{path} was not written by vaekit diagnose; move it away to diagnose this run"
        )
    return {DIAGNOSTICS, *map(str, previous["pictures"].values())}


def _check_free(run_dir: RunDir) -> set[str]:
    """Raise if a file diagnose would write exists and is not its own; return its own."""
    owned = _owned(run_dir)
    for name in (DIAGNOSTICS, *PICTURES.values()):
        if (run_dir / name).exists() and name not in owned:
            raise VaekitError(
                f"{run_dir / name} exists and was not written by vaekit "
                "diagnose; move it away to diagnose this run"
            )
    return owned


def _factor_matrices(
    means: np.ndarray, factors: np.ndarray, names: Sequence[str], seed: int
) -> dict[str, Any] | None:
    """MIG matrix and DCI importances (``fast_gbt``) on at most 2,000 examples."""
    from vaekit import metrics  # here: scikit-learn takes ~1 s to import
    from vaekit.metrics.gap import mean_top_two_gap

    rng = np.random.default_rng(seed)
    idx = np.sort(rng.permutation(len(means))[:MATRIX_EXAMPLES])
    codes, values = means[idx], factors[idx]
    try:
        mig_matrix = checked_metric("mig", metrics.mig_matrix, codes, values)
        importance = checked_metric(
            "dci", metrics.dci_importance, codes, values, model=DCI_MODEL, seed=seed
        )
    except VaekitError:  # a factor constant in this sample: no matrices
        return None
    return {
        "factor_names": list(names),
        "num_examples": len(idx),
        "mig": mean_top_two_gap(mig_matrix) if len(mig_matrix) > 1 else None,
        "mig_matrix": mig_matrix.tolist(),
        "dci_importance_model": DCI_MODEL,
        "dci_importance": importance.tolist(),
        "dci_disentanglement": metrics.disentanglement(importance),
        "dci_completeness": metrics.completeness(importance),
    }


@torch.no_grad()
def _draw_traversals(
    model: HasPosterior, ds: DataSource, stats: PosteriorStats, diag: Diagnostics, out: Path
) -> dict[str, Path]:
    """The first example's code, dimensions sorted by KL (by mean variance without KL);
    categorical latents (one-hot blocks of z) get a picture of their own, by category."""
    score = diag.kl_per_dim or diag.mean_variance
    unit = "nats" if diag.kl_per_dim is not None else "var"
    param = next(model.parameters())
    first = ds.batch(torch.arange(1))
    y0 = None if first.y is None else first.y.to(param.device)
    q = model.encode(first.x.to(param.device, param.dtype), y0)
    seed = stats.mean[0].to(param.device, param.dtype)
    continuous, blocks = len(score), ()
    if isinstance(q, JointNormalCategorical):
        continuous, blocks = q.continuous, q.sizes
        seed = most_likely_blocks(seed, continuous, blocks)
    pics = {}
    dims = sorted(range(continuous), key=lambda j: -score[j])[:MAX_TRAVERSAL_ROWS]
    if dims:
        values = torch.linspace(-3.0, 3.0, 9)
        codes = traversal_codes(seed, dims, values)
        y = None if y0 is None else y0.expand(len(codes))
        labels = [f"z{j} {score[j]:.2f} {unit}" for j in dims]
        pics["traversals"] = save_traversals(
            model.decode(codes, y), out / PICTURES["traversals"], values, labels
        )
    if blocks:
        codes, real = category_codes(seed, continuous, blocks)
        images = model.decode(codes, None if y0 is None else y0.expand(len(codes)))
        images[~real] = 0
        steps = max(blocks)
        pics["traversals_discrete"] = save_traversals(
            images,
            out / PICTURES["traversals_discrete"],
            torch.arange(float(steps)),
            [f"categorical {j} ({k})" for j, k in enumerate(blocks)],
            [str(c) for c in range(steps)],
        )
    return pics


def _pictures(
    model: HasPosterior,
    out: Path,
    ds: DataSource,
    stats: PosteriorStats,
    diag: Diagnostics,
    matrices: dict[str, Any] | None,
    factor_names: Sequence[str] | None,
) -> dict[str, Path]:
    pics = {}
    if diag.kl_per_dim is not None:
        active = [j in diag.active_dims_mean for j in range(len(diag.kl_per_dim))]
        pics["kl_per_dim"] = save_kl_bars(
            diag.kl_per_dim, out / PICTURES["kl_per_dim"], diag.active_threshold, active
        )
    shape = model.input_shape
    if len(shape) == 3 or math.isqrt(shape[-1]) ** 2 == shape[-1]:
        pics.update(_draw_traversals(model, ds, stats, diag, out))
    colour = name = None
    if ds.y is not None:
        colour, name = ds.y.cpu().numpy(), "label"
    elif ds.factors is not None:
        colour = ds.factors[:, 0].cpu().numpy()
        name = factor_names[0] if factor_names else "factor 0"
    pics["latent_map"] = save_latent_map(
        stats.mean.numpy(), out / PICTURES["latent_map"], diag.active_dims_mean, colour, name
    )
    if matrices is not None:
        names = matrices["factor_names"]
        pics["mig_matrix"] = save_heatmap(
            np.array(matrices["mig_matrix"]),
            out / PICTURES["mig_matrix"],
            names,
            "I(z_j; v_k) / H(v_k)"
            + ("" if matrices["mig"] is None else f" — MIG {matrices['mig']:.3f}"),
        )
        pics["dci_importance"] = save_heatmap(
            np.array(matrices["dci_importance"]),
            out / PICTURES["dci_importance"],
            names,
            f"DCI importance ({DCI_MODEL})",
        )
    return pics


def write_diagnosis(
    model: HasPosterior,
    run_dir: RunDir,
    ds: DataSource,
    factor_names: Sequence[str] | None = None,
    *,
    split: str = "test",
    thresholds: CollapseThresholds | None = None,
    seed: int = 0,
) -> Diagnosis:
    """Diagnose ``model`` on the examples of ``ds`` and write the files into ``run_dir``."""
    if len(ds) < 2:
        raise VaekitError(f"diagnose needs at least 2 examples; the {split} split has {len(ds)}")
    owned = _check_free(run_dir)
    b = ds.batch(torch.arange(len(ds)))
    with phase(f"diagnose: encoding {len(ds)} {split} examples"):
        stats = encode_posterior(model, b.x, b.y, generator=torch.Generator().manual_seed(seed))
    with phase("diagnose: collapse, I(x; z), ELBO surgery"):
        diag = diagnose_stats(
            stats, model_log_prior(model), split=split, thresholds=thresholds, seed=seed
        )
    matrices = None
    if ds.factors is not None:
        names = factor_names or [f"factor {k}" for k in range(ds.factors.shape[1])]
        with phase("diagnose: factor matrices"):
            matrices = _factor_matrices(stats.mean.numpy(), ds.factors.cpu().numpy(), names, seed)
    with phase("diagnose: pictures"):
        pictures = _pictures(model, run_dir.path, ds, stats, diag, matrices, factor_names)
    result = Diagnosis(diag, matrices, pictures, run_dir / DIAGNOSTICS)
    run_dir.write_json(DIAGNOSTICS, result.to_dict())
    stale = owned & set(PICTURES.values()) - {p.name for p in pictures.values()}
    for name in stale:  # an earlier diagnose's picture this one did not draw
        (run_dir / name).unlink(missing_ok=True)
    return result


def diagnose(
    run: Run,
    data: DataSplits | None = None,
    split: str = "test",
    active_threshold: float | None = None,
    kl_threshold: float = 0.01,
) -> Diagnosis:
    """Collapse and information diagnostics of a split, written into the run directory
    under the run's lock.

    ``active_threshold`` defaults to the config's ``eval.active_threshold``; see this
    module's docstring for the files and :mod:`vaekit.metrics.verdict` for the verdict.
    """
    splits = data if data is not None else load_eval_data(run)
    active = run.config.eval.active_threshold if active_threshold is None else active_threshold
    with run.dir.lock(), phase(f"diagnose on the {split} split"):
        return write_diagnosis(
            run.model,
            run.dir,
            split_of(splits, split),
            splits.factor_names,
            split=split,
            thresholds=CollapseThresholds(active=active, kl=kl_threshold),
        )
