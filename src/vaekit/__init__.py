"""vaekit: variational autoencoders and their relatives, composable and measured honestly."""

__version__ = "0.1.0"
