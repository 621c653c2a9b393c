"""The quantizer's auxiliary losses as a term (VQ-VAE, van den Oord et al. 2017)."""

from __future__ import annotations

from torch import Tensor

from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.protocols import HasCodebook
from vaekit.types import StepContext


@TERMS.register("quantizer")
class QuantizerLosses(Term):
    """The sum of the quantizer's losses (``commit``, ``codebook``, ``entropy``) per example.

    A quantizer reports per-element means; they are multiplied by the number of latent
    elements per example so that, like ``recon`` (summed over pixels), they are
    per-example sums — the paper's ``‖sg[z_e] − e‖² + β‖z_e − sg[e]‖²`` — which keeps the
    quantizer's own weighting between its losses. Each is logged by name, with the
    quantizer's batch ``perplexity``, ``usage`` and ``quant_error`` and the model's
    ``dead_codes``.
    """

    name = "quantizer"
    requires = (HasCodebook,)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        quant = p.quant  # type: ignore[attr-defined]
        per_example = quant.z_q[0].numel()
        total = quant.z_q.new_zeros(())
        for key, value in quant.losses.items():
            logs.batch_terms[key] = value * per_example
            total = total + value
        logs.stats.update(quant.stats)
        logs.stats["dead_codes"] = p.model.dead_codes()
        return total * per_example
