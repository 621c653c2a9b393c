"""Measurements on arrays: pure functions of codes, factors, features and posterior
parameters that never see a model or a data source.

The rule between the two packages: ``metrics/`` computes numbers from tensors or numpy
arrays; ``evaluation/`` runs a model over data to produce those arrays and calls
``metrics/`` (and the estimators shared with training in ``objectives/``).

* Disentanglement on codes ``(N, D)`` and integer factors ``(N, K)``: :func:`mig`,
  :func:`sap`, :func:`dci`, :func:`modularity_explicitness`, with the matrices behind
  them (:func:`mig_matrix`, :func:`sap_matrix`, :func:`dci_importance`,
  :func:`mutual_info_matrix`); dataset scores from a representation function and a
  :class:`~vaekit.types.FactorDataset`: :func:`beta_vae_score`, :func:`factor_vae_score`.
  Defaults follow disentanglement_lib (Locatello et al. 2019).
* Information in a diagonal-Gaussian posterior: :mod:`vaekit.metrics.information`.
* Posterior collapse: :mod:`vaekit.metrics.collapse` (active units),
  :mod:`vaekit.metrics.verdict` (the per-dimension verdict).
* Sample quality: :mod:`vaekit.metrics.frechet` (Fréchet distance, precision/recall).

Names are imported lazily: scikit-learn (behind DCI, SAP and the dataset scores) takes
about a second to import, and ``import vaekit.metrics.collapse`` should not pay for it.
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "IMPORTANCE_MODELS": "importance",
    "beta_vae_score": "beta_vae",
    "completeness": "dci",
    "dci": "dci",
    "dci_importance": "dci",
    "disentanglement": "dci",
    "factor_vae_score": "factor_vae",
    "mig": "mig",
    "mig_matrix": "mig",
    "modularity_explicitness": "modularity",
    "modularity_per_code": "modularity",
    "mutual_info_matrix": "mutual_info",
    "sap": "sap",
    "sap_matrix": "sap",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Import a metric's module on first use, and bind every name it provides to its function
    (the import binds ``mig``, ``sap`` and ``dci`` to their modules first, whichever of the
    module's names is asked for)."""
    if name in _WHERE:
        module = import_module(f"vaekit.metrics.{_WHERE[name]}")
        for other, where in _WHERE.items():
            if where == _WHERE[name]:
                globals()[other] = getattr(module, other)
        return globals()[name]
    raise AttributeError(f"module 'vaekit.metrics' has no attribute {name!r}")
