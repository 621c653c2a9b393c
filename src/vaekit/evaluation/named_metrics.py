"""The metrics of ``vaekit evaluate --metrics ...``, registered in :data:`EVAL_METRICS`.

Each adds **one key, its own name**: a float, or an object of named floats.

* ``mig``, ``sap`` (floats); ``dci`` → ``{disentanglement, completeness,
  informativeness}``; ``modularity`` → ``{modularity, explicitness}``: the
  :mod:`vaekit.metrics` functions on the posterior means E_q[z|x] of the evaluated
  split against its ground-truth factors, on at most 10,000 examples (a seeded subset,
  as disentanglement_lib's 10,000 points). Data without factors is an error naming the
  datasets that have them (dsprites).
* ``beta_vae``, ``factor_vae`` (floats): the dataset scores on images rendered from
  factors by the dataset's factor source (dSprites), with the posterior mean as the
  representation and the published protocol (10,000 + 5,000 points, batches of 64) —
  minutes on a CPU. Unconditional models only (rendered images carry no label).
* ``mutual_information`` (float, nats): I(x; z) under the aggregate posterior, exactly
  as ``vaekit diagnose`` reports it (same subset and seed).
* ``fid`` → ``{frechet_distance, precision, recall, num_real, num_fake, classifier,
  classifier_val_accuracy}``: held-out images against as many prior samples, in the
  features of vaekit's own cached classifier — **not the Inception FID**.

Importing this module registers them; :mod:`vaekit.api` does.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import torch

from vaekit.data.base import DataSplits
from vaekit.evaluation.diagnostics import diagnose_stats, model_log_prior
from vaekit.evaluation.encodings import encode_posterior, posterior_means
from vaekit.evaluation.feature_net import feature_classifier
from vaekit.evaluation.registry import EVAL_METRICS
from vaekit.protocols import Generative
from vaekit.registry import VaekitError
from vaekit.types import DataSource, FactorDataset


class Run(Protocol):
    """What these metrics read of a loaded :class:`vaekit.api.Run`: its model."""

    model: Any


MAX_POINTS = 10_000
FACTOR_DATASETS = "dsprites"  # named in errors: the registered datasets with factors


def _split(splits: DataSplits, split: str) -> DataSource:
    return getattr(splits, split)


def _subset(n: int, limit: int, seed: int) -> torch.Tensor:
    """A seeded subset of ``min(n, limit)`` indices of ``0..n-1``, in order."""
    if n <= limit:
        return torch.arange(n)
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:limit].sort().values


def _codes_and_factors(
    run: Run, splits: DataSplits, split: str, name: str, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means ``(N, D)`` and factors ``(N, K)`` of at most 10,000 split examples."""
    ds = _split(splits, split)
    if ds.factors is None:
        raise VaekitError(
            f"metric {name!r} needs data with ground-truth factors; {splits.name!r} has none "
            f"(datasets with factors: {FACTOR_DATASETS})"
        )
    idx = _subset(len(ds), MAX_POINTS, seed)
    b = ds.batch(idx)
    return posterior_means(run.model, b.x, b.y).numpy(), ds.factors[idx].cpu().numpy()


def checked_metric(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a metric, turning its input errors (too few points, a constant factor) into one
    line; scikit-learn's warning that a small sample has many classes is silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            raise VaekitError(f"metric {name!r}: {e}") from None


def _code_metric(
    name: str, fn: Callable[..., Any], run: Run, splits: DataSplits, split: str
) -> dict[str, Any]:
    return {name: checked_metric(name, fn, *_codes_and_factors(run, splits, split, name))}


@EVAL_METRICS.register("mig")
def mig_metric(run: Run, splits: DataSplits, split: str) -> dict[str, Any]:
    """Mutual Information Gap (Chen et al. 2018) of the posterior means; needs factors."""
    from vaekit import metrics  # here: scikit-learn takes ~1 s to import

    return _code_metric("mig", metrics.mig, run, splits, split)


@EVAL_METRICS.register("sap")
def sap_metric(run: Run, splits: DataSplits, split: str) -> dict[str, Any]:
    """SAP score (Kumar et al. 2018) of the posterior means; needs factors."""
    from vaekit import metrics  # here: scikit-learn takes ~1 s to import

    return _code_metric("sap", metrics.sap, run, splits, split)


@EVAL_METRICS.register("dci")
def dci_metric(run: Run, splits: DataSplits, split: str) -> dict[str, Any]:
    """DCI disentanglement, completeness, informativeness (Eastwood & Williams 2018)."""
    from vaekit import metrics  # here: scikit-learn takes ~1 s to import

    return _code_metric("dci", metrics.dci, run, splits, split)


@EVAL_METRICS.register("modularity")
def modularity_metric(run: Run, splits: DataSplits, split: str) -> dict[str, Any]:
    """Modularity and explicitness (Ridgeway & Mozer 2018) of the posterior means."""
    from vaekit import metrics  # here: scikit-learn takes ~1 s to import

    return _code_metric("modularity", metrics.modularity_explicitness, run, splits, split)


def _factor_source(run: Run, splits: DataSplits, name: str) -> FactorDataset:
    if splits.factor_source is None:
        raise VaekitError(
            f"metric {name!r} renders images from ground-truth factors; {splits.name!r} cannot "
            f"(datasets with factors: {FACTOR_DATASETS})"
        )
    if run.model.num_classes:
        raise VaekitError(
            f"metric {name!r} needs an unconditional model: rendered images carry no class label"
        )
    return splits.factor_source


def _represent(run: Run) -> Callable[[np.ndarray], np.ndarray]:
    """Images ``(n, C, H, W)`` → posterior means ``(n, D)``."""
    return lambda images: posterior_means(run.model, torch.from_numpy(images)).numpy()


@EVAL_METRICS.register("beta_vae")
def beta_vae_metric(
    run: Run,
    splits: DataSplits,
    split: str,
    *,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    batch_size: int = 64,
    seed: int = 0,
) -> dict[str, Any]:
    """BetaVAE score (Higgins et al. 2017) on images rendered from factors (dSprites)."""
    from vaekit import metrics  # here: scikit-learn takes ~1 s to import

    source = _factor_source(run, splits, "beta_vae")
    score = checked_metric(
        "beta_vae",
        metrics.beta_vae_score,
        _represent(run),
        source,
        num_train=num_train,
        num_eval=num_eval,
        batch_size=batch_size,
        seed=seed,
    )
    return {"beta_vae": score}


@EVAL_METRICS.register("factor_vae")
def factor_vae_metric(
    run: Run,
    splits: DataSplits,
    split: str,
    *,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    batch_size: int = 64,
    num_variance_estimate: int = 10_000,
    seed: int = 0,
) -> dict[str, Any]:
    """FactorVAE score (Kim & Mnih 2018) on images rendered from factors (dSprites)."""
    from vaekit import metrics  # here: scikit-learn takes ~1 s to import

    source = _factor_source(run, splits, "factor_vae")
    score = checked_metric(
        "factor_vae",
        metrics.factor_vae_score,
        _represent(run),
        source,
        num_train=num_train,
        num_eval=num_eval,
        batch_size=batch_size,
        num_variance_estimate=num_variance_estimate,
        seed=seed,
    )
    return {"factor_vae": score}


@EVAL_METRICS.register("mutual_information")
def mutual_information_metric(run: Run, splits: DataSplits, split: str) -> dict[str, Any]:
    """I(x; z) in nats under the aggregate posterior (as ``vaekit diagnose`` reports it)."""
    ds = _split(splits, split)
    b = ds.batch(torch.arange(len(ds)))
    stats = encode_posterior(run.model, b.x, b.y, generator=torch.Generator().manual_seed(0))
    diag = diagnose_stats(stats, model_log_prior(run.model), split=split)
    if diag.mutual_information is None:
        reason = diag.unavailable.get("mutual_information", "too few examples")
        raise VaekitError(f"metric 'mutual_information' is unavailable: {reason}")
    return {"mutual_information": diag.mutual_information}


@EVAL_METRICS.register("fid")
def fid_metric(
    run: Run, splits: DataSplits, split: str, *, max_examples: int = MAX_POINTS, seed: int = 0
) -> dict[str, Any]:
    """Fréchet distance, precision, recall in a vaekit-trained classifier's features (not FID)."""
    from vaekit.evaluation.sample_quality import draw_samples, sample_quality  # scipy: ~0.4 s

    if not (isinstance(run.model, Generative) and run.model.can_sample()):
        raise VaekitError("metric 'fid' needs a model with a prior to sample from")
    device = next(run.model.parameters()).device
    classifier = feature_classifier(splits, device=device, seed=seed)
    ds = _split(splits, split)
    real = ds.batch(_subset(len(ds), max_examples, seed)).x
    fake = draw_samples(run.model, len(real), seed=seed)
    quality = checked_metric("fid", sample_quality, classifier.net, real, fake)
    return {
        "fid": {
            **quality.to_dict(),
            "classifier": str(classifier.path),
            "classifier_val_accuracy": classifier.val_accuracy,
        }
    }
