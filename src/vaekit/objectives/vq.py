"""The quantized autoencoder's objective: reconstruction plus the quantizer's auxiliary losses."""

from __future__ import annotations

from torch import Tensor, nn

from vaekit.types import StepContext, StepOut


class QuantizedReconstruction(nn.Module):
    """−log p(x | z_q) plus the quantizer's losses (VQ-VAE, van den Oord et al. 2017).

    Terms: ``recon`` (nats per example) and each loss the quantizer returns
    (``commit``, ``codebook``, ``entropy``). A quantizer reports per-element means;
    they are multiplied by the number of latent elements per example so that,
    like ``recon`` (summed over pixels), they are per-example sums — the paper's
    ``‖sg[z_e] − e‖² + β‖z_e − sg[e]‖²`` — which keeps the quantizer's own
    weighting between its losses. Stats: the quantizer's batch ``perplexity``,
    ``usage`` and ``quant_error``, and the model's ``dead_codes``.
    """

    def forward(self, model: nn.Module, x: Tensor, y: Tensor | None, ctx: StepContext) -> StepOut:
        q = model.encode(x)
        recon = -model.log_px_given_z(x, q.z_q)
        per_example = q.z_q[0].numel()
        aux = {k: (v * per_example).expand_as(recon) for k, v in q.losses.items()}
        loss = recon + sum(aux.values(), recon.new_zeros(()))
        stats = {**q.stats, "dead_codes": model.dead_codes()}
        return StepOut(loss.mean(), {"recon": recon, **aux}, stats)
