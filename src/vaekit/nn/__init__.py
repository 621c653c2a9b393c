"""Networks only (no probability): encoders map inputs to features, decoders map latents to
likelihood parameters ``(B, P, *shape)`` where ``P`` is the likelihood's parameter count."""

from vaekit.nn.burgess import BurgessDecoder, BurgessEncoder
from vaekit.nn.conv import ConvDecoder, ConvEncoder
from vaekit.nn.grid import ConvGridDecoder, ConvGridEncoder, MLPGridDecoder, MLPGridEncoder
from vaekit.nn.mlp import LinearDecoder, LinearEncoder, MLPDecoder, MLPEncoder
from vaekit.nn.registry import DECODERS, ENCODERS
from vaekit.nn.tcvae_mlp import TCVAEDecoder, TCVAEEncoder

__all__ = [
    "DECODERS",
    "ENCODERS",
    "BurgessDecoder",
    "BurgessEncoder",
    "ConvDecoder",
    "ConvEncoder",
    "ConvGridDecoder",
    "ConvGridEncoder",
    "LinearDecoder",
    "LinearEncoder",
    "MLPDecoder",
    "MLPEncoder",
    "MLPGridDecoder",
    "MLPGridEncoder",
    "TCVAEDecoder",
    "TCVAEEncoder",
]
