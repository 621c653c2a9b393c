"""vaekit: variational autoencoders and their relatives, composable and measured honestly.

The Python API mirrors the command line::

    import vaekit
    cfg = vaekit.make_config(model="vae", data="mnist5k", epochs=10)
    result = vaekit.train(cfg, out="runs/vae")
    run = vaekit.load("runs/vae")
    run.model.log_likelihood(x, k=1000)
"""

from typing import Any

from vaekit.version import __version__

_API = (
    "Run",
    "TrainResult",
    "default_config",
    "diagnose",
    "evaluate",
    "load",
    "make_config",
    "resume",
    "train",
    "train_prior",
)
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """Import the API lazily so ``import vaekit.registry`` stays light."""
    if name in _API:
        from vaekit import api

        return getattr(api, name)
    raise AttributeError(f"module 'vaekit' has no attribute {name!r}")
