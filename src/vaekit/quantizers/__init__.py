"""Quantizers: ``forward(z_e (..., D)) -> QuantOut``, registered in :data:`QUANTIZERS`.

Registry names: ``vq``, ``vq_ema``, ``rotation_vq``, ``cvq``, ``simvq``,
``residual_vq``, ``grouped_vq``, ``fsq``, ``lfq``. VQ options that change
behaviour are strategy parts with their own registries: codebook update
(:data:`UPDATES`: ``loss``, ``ema``, ``online_clustering``), gradient estimator
(:data:`GRADIENTS`: ``ste``, ``rotation``) and initialiser (:data:`INITS`:
``random``, ``uniform``, ``kmeans``).

Example::

    >>> import torch
    >>> from vaekit.quantizers import QUANTIZERS
    >>> vq = QUANTIZERS.build({"name": "vq", "codebook_size": 16, "init": "kmeans"}, dim=4)
    >>> out = vq(torch.randn(2, 8, 8, 4))
    >>> out.z_q.shape, out.indices.shape, sorted(out.losses)
    (torch.Size([2, 8, 8, 4]), torch.Size([2, 8, 8]), ['codebook', 'commit'])
"""

from vaekit.quantizers.base import QUANTIZERS, Quantizer, code_stats, nearest
from vaekit.quantizers.cvq import OnlineClustering, cvq
from vaekit.quantizers.fsq import FSQ
from vaekit.quantizers.gradients import GRADIENTS, GradientEstimator, RotationTrick, StraightThrough
from vaekit.quantizers.grouped import GroupedVQ
from vaekit.quantizers.initialisers import INITS, CodebookInit, KMeansInit, UniformInit, kmeans
from vaekit.quantizers.lfq import LFQ
from vaekit.quantizers.residual import ResidualVQ
from vaekit.quantizers.simvq import SimVQ
from vaekit.quantizers.updates import UPDATES, CodebookUpdate, EMAUpdate, LossUpdate
from vaekit.quantizers.usage import CodeUsage, count_codes
from vaekit.quantizers.vq import VQ, rotation_vq, vq_ema

__all__ = [
    "FSQ",
    "GRADIENTS",
    "INITS",
    "LFQ",
    "QUANTIZERS",
    "UPDATES",
    "VQ",
    "CodeUsage",
    "CodebookInit",
    "CodebookUpdate",
    "EMAUpdate",
    "GradientEstimator",
    "GroupedVQ",
    "KMeansInit",
    "LossUpdate",
    "OnlineClustering",
    "Quantizer",
    "ResidualVQ",
    "RotationTrick",
    "SimVQ",
    "StraightThrough",
    "UniformInit",
    "code_stats",
    "count_codes",
    "cvq",
    "kmeans",
    "nearest",
    "rotation_vq",
    "vq_ema",
]
