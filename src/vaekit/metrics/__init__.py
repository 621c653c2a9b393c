"""Disentanglement metrics on codes of data with known factors of variation.

Codes/factors metrics take ``codes (N, D)`` and integer ``factors (N, K)`` (numpy or
torch): :func:`mig`, :func:`sap` (floats), :func:`dci`, :func:`modularity_explicitness`
(dicts of named floats), with the matrices behind them for heat maps
(:func:`mig_matrix`, :func:`sap_matrix`, :func:`dci_importance`,
:func:`mutual_info_matrix`). Dataset metrics take a representation function and a
:class:`~vaekit.types.FactorDataset`: :func:`beta_vae_score`, :func:`factor_vae_score`
(evaluation accuracies). Defaults follow disentanglement_lib (Locatello et al. 2019);
each module documents its choices.
"""

from vaekit.metrics.beta_vae import beta_vae_score
from vaekit.metrics.dci import completeness, dci, dci_importance, disentanglement
from vaekit.metrics.factor_vae import factor_vae_score
from vaekit.metrics.importance import IMPORTANCE_MODELS
from vaekit.metrics.mig import mig, mig_matrix
from vaekit.metrics.modularity import modularity_explicitness, modularity_per_code
from vaekit.metrics.mutual_info import mutual_info_matrix
from vaekit.metrics.sap import sap, sap_matrix

__all__ = [
    "IMPORTANCE_MODELS",
    "beta_vae_score",
    "completeness",
    "dci",
    "dci_importance",
    "disentanglement",
    "factor_vae_score",
    "mig",
    "mig_matrix",
    "modularity_explicitness",
    "modularity_per_code",
    "mutual_info_matrix",
    "sap",
    "sap_matrix",
]
