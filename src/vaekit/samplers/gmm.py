"""A Gaussian mixture over codes, fitted by EM: the ex-post density estimator of
Ghosh et al. 2020, "From Variational to Deterministic Autoencoders" (ICLR), section 4."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.mixture import GaussianMixture
from torch import Tensor
from torch.distributions import Categorical, MixtureSameFamily, MultivariateNormal

from vaekit.registry import VaekitError
from vaekit.samplers.base import SAMPLERS, LatentSampler

COVARIANCES = ("full", "diag")


@SAMPLERS.register("gmm")
class GaussianMixtureSampler(LatentSampler):
    """p(u) = Σ_k π_k N(u; μ_k, Σ_k) on standardised codes, fitted by EM (scikit-learn).

    ``components`` K (10 by default, as Ghosh et al.), ``covariance`` ``full`` or
    ``diag``; EM starts from k-means with ``seed``, ``reg_covar`` is added to every
    covariance's diagonal. The fitted weights, means and Cholesky factors are buffers, so
    the sampler saves and loads as a state dict and samples in torch.
    """

    def __init__(
        self,
        latent_dim: int,
        components: int = 10,
        covariance: str = "full",
        reg_covar: float = 1e-6,
        seed: int = 0,
    ) -> None:
        super().__init__(latent_dim)
        if components < 1:
            raise ValueError(f"gmm needs components >= 1, got {components}")
        if covariance not in COVARIANCES:
            raise ValueError(f"gmm covariance must be one of {', '.join(COVARIANCES)}")
        self.components, self.covariance = components, covariance
        self.reg_covar, self.seed = reg_covar, seed
        self.register_buffer("logits", torch.zeros(components))
        self.register_buffer("means", torch.zeros(components, latent_dim))
        self.register_buffer("scale_tril", torch.eye(latent_dim).repeat(components, 1, 1))

    def fit(self, codes: Tensor) -> None:
        """EM on the standardised codes ``(N, D)``, N >= ``components``."""
        super().fit(codes)
        if len(codes) < self.components:
            raise VaekitError(
                f"gmm with {self.components} components needs at least as many codes, "
                f"got {len(codes)}"
            )
        u = self.standardise(codes).detach().cpu().double().numpy()
        gm = GaussianMixture(
            self.components,
            covariance_type=self.covariance,
            reg_covar=self.reg_covar,
            random_state=self.seed,
        ).fit(u)
        cov = gm.covariances_ if self.covariance == "full" else _diag(gm.covariances_)
        self.logits.copy_(torch.from_numpy(np.log(gm.weights_)))
        self.means.copy_(torch.from_numpy(gm.means_))
        self.scale_tril.copy_(torch.linalg.cholesky(torch.from_numpy(cov)))

    def mixture(self) -> MixtureSameFamily:
        """The fitted mixture over standardised codes."""
        return MixtureSameFamily(
            Categorical(logits=self.logits),
            MultivariateNormal(self.means, scale_tril=self.scale_tril),
        )

    def standard_log_prob(self, u: Tensor) -> Tensor:
        return self.mixture().log_prob(u)

    def standard_sample(self, n: int) -> Tensor:
        return self.mixture().sample((n,))


def _diag(variances: np.ndarray) -> np.ndarray:
    """(K, D) variances → (K, D, D) diagonal covariances."""
    return np.einsum("kd,de->kde", variances, np.eye(variances.shape[1]))
