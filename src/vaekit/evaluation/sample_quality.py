"""Sample quality in the feature space of vaekit's own classifier: Fréchet distance and
k-NN precision/recall between held-out images and model samples.

Features are the penultimate layer of :class:`~vaekit.evaluation.feature_net.FeatureNet`
trained on the dataset's labels. **Not the Inception FID**: the numbers compare models on
the same dataset and classifier only, never with papers. The distance and the
precision/recall (k = 3) are those of :mod:`vaekit.metrics.frechet`.

For binarised data the held-out images are binary while samples are likelihood means
(grey); the distance counts that difference too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor

from vaekit.evaluation.feature_net import FeatureNet
from vaekit.metrics.frechet import frechet_distance, precision_recall
from vaekit.protocols import Generative


@dataclass(frozen=True)
class SampleQuality:
    """Fréchet distance (0 is best), precision and recall (1 is best) and the set sizes."""

    frechet_distance: float
    precision: float
    recall: float
    num_real: int
    num_fake: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def sample_quality(net: FeatureNet, real: Tensor, fake: Tensor, k: int = 3) -> SampleQuality:
    """Compare ``real (N, *shape)`` and ``fake (M, *shape)`` images in ``net``'s features."""
    a, b = net.features(real), net.features(fake)
    pr = precision_recall(a, b, k=k)
    return SampleQuality(frechet_distance(a, b), pr.precision, pr.recall, len(a), len(b))


@torch.no_grad()
def draw_samples(model: Generative, n: int, seed: int = 0, batch_size: int = 500) -> Tensor:
    """``n`` decoded prior samples ``(n, *shape)`` on the CPU, seeded without touching
    torch's global generators."""
    device = next(model.parameters()).device
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        return torch.cat(
            [model.sample(min(batch_size, n - i)).cpu() for i in range(0, n, batch_size)]
        )
