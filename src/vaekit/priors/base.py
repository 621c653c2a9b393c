"""Prior registry. A prior is an ``nn.Module`` whose ``forward(context=None)`` gives p(z).

``forward(context: PriorContext | None = None) -> Distribution`` returns a distribution
with event shape ``(latent_dim,)``. The context (:class:`vaekit.types.PriorContext`)
carries the model the prior belongs to (a VampPrior encodes its pseudo-inputs with
``context.model.encode``) and a condition (class labels ``(B,)``, giving batch shape
``(B,)``); a prior reads only what it needs and raises a clear error when that is missing.

The model builder calls ``PRIORS.build(spec, latent_dim=..., input_shape=...,
num_classes=...)``; :meth:`vaekit.registry.Registry.build` passes a factory only the
keyword arguments its signature accepts, so a factory names just what it uses.
"""

from torch import nn

from vaekit.registry import Registry

PRIORS: Registry[nn.Module] = Registry("prior")
