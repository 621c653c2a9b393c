"""Post-hoc latent samplers (:data:`SAMPLERS`): densities fitted to a trained model's codes.

``gmm`` (a Gaussian mixture by EM), ``flow`` (a small zuko flow by maximum likelihood),
``two_stage_vae`` (a second-stage VAE). ``vaekit sample RUN_DIR --sampler gmm`` fits one
on the run's training codes, saves it in ``RUN_DIR/samplers/<name>`` and reuses it.
``flow`` is registered lazily: zuko is imported on its first lookup.
"""

from vaekit.samplers import gmm, two_stage  # noqa: F401  (registration)
from vaekit.samplers.base import SAMPLERS, LatentSampler

SAMPLERS.register_lazily("vaekit.samplers.flow", "flow")

__all__ = ["SAMPLERS", "LatentSampler"]
