"""The pictures of a run: reconstructions, samples, KL bars, curves, codebook usage."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from vaekit.api.evaluating import split_of
from vaekit.data import DataSplits
from vaekit.evaluation.codebook import code_counts
from vaekit.evaluation.result import EvalResult
from vaekit.progress import phase
from vaekit.protocols import Generative, HasCodebook
from vaekit.viz import save_codebook_usage, save_curves, save_grid, save_kl_bars

if TYPE_CHECKING:
    from vaekit.api.runs import Run


def is_image(shape: Sequence[int]) -> bool:
    """Whether examples of ``shape`` can be drawn: ``(C, H, W)`` or a flat square ``(H·W,)``."""
    return len(shape) == 3 or (len(shape) == 1 and math.isqrt(shape[0]) ** 2 == shape[0])


@torch.no_grad()
def draw_pictures(
    run: Run,
    data: DataSplits,
    results: EvalResult,
    history: Sequence[dict[str, float]],
    seed: int = 0,
) -> dict[str, Path]:
    """PNGs in the run directory: reconstructions and prior samples (``eval.num_pictures``
    of each; none when it is 0), KL per dimension, training curves, codebook usage; under
    the run's lock."""
    with run.dir.lock(), phase("pictures"):
        return _draw(run, data, results, history, seed)


def _draw(
    run: Run,
    data: DataSplits,
    results: EvalResult,
    history: Sequence[dict[str, float]],
    seed: int,
) -> dict[str, Path]:
    model, n = run.model, run.config.eval.num_pictures
    device = next(model.parameters()).device
    pics: dict[str, Path] = {}
    if n > 0 and isinstance(model, Generative) and is_image(model.input_shape):
        b = data.test.batch(torch.arange(min(n, len(data.test)))).to(device)
        recon = model.reconstruct(b.x, b.y)
        pairs = torch.stack([b.x, recon], 1).flatten(0, 1)
        pics["reconstructions"] = save_grid(pairs, run.dir / "reconstructions.png", ncol=16)
        if model.can_sample():
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                torch.manual_seed(seed)
                samples = model.sample(n)
            pics["samples"] = save_grid(samples, run.dir / "samples.png")
    if results.kl_per_dim is not None:
        active = [d in results.active_dims for d in range(len(results.kl_per_dim))]
        pics["kl_per_dim"] = save_kl_bars(
            results.kl_per_dim, run.dir / "kl_per_dim.png", results.active_threshold, active
        )
    if history:
        pics["curves"] = save_curves(history, run.dir / "curves.png")
    if (codebook := draw_codebook_usage(run, data)) is not None:
        pics["codebook_usage"] = codebook
    return pics


def draw_codebook_usage(run: Run, data: DataSplits, split: str = "test") -> Path | None:
    """A quantized model's code-usage histogram on ``split`` as ``codebook_usage_<split>.png``
    (under the run's lock); ``None`` for models without a codebook."""
    if not isinstance(run.model, HasCodebook):
        return None
    counts = code_counts(run.model, split_of(data, split))
    with run.dir.lock():
        return save_codebook_usage(
            counts, run.dir / f"codebook_usage_{split}.png", title=f"{split}: "
        )
