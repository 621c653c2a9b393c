"""The training engine: one loop for every model, checkpoints, devices, logging."""

from vaekit.engine.devices import resolve_device
from vaekit.engine.loop import Trainer, TrainingDiverged, TrainState
from vaekit.engine.optim import resolve_optimizers
from vaekit.engine.rng import seed_everything

__all__ = [
    "TrainState",
    "Trainer",
    "TrainingDiverged",
    "resolve_device",
    "resolve_optimizers",
    "seed_everything",
]
