"""One contract test over every registered quantizer: registering enrols it."""

from __future__ import annotations

import inspect
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vaekit.quantizers import QUANTIZERS, Quantizer
from vaekit.registry import ConfigError
from vaekit.types import QuantOut

NAMES = QUANTIZERS.names()
D = 8
LOSS_NAMES = {"commit", "codebook", "entropy"}
STATS = {"perplexity", "perplexity_norm", "code_entropy_bits", "usage", "quant_error"}


def small(name: str) -> dict[str, object]:
    """``name`` with a 32-code codebook where the factory takes ``codebook_size`` (faster)."""
    takes_size = "codebook_size" in inspect.signature(QUANTIZERS.get(name)).parameters
    return {"name": name, **({"codebook_size": 32} if takes_size else {})}


def make(name: str, seed: int = 0) -> Quantizer:
    torch.manual_seed(seed)
    return QUANTIZERS.build(small(name), dim=D).double()


def aux(out: QuantOut) -> torch.Tensor:
    return sum(out.losses.values(), torch.zeros((), dtype=out.z_q.dtype))


def test_registry_names_cover_the_catalogue() -> None:
    expected = {"vq", "vq_ema", "rotation_vq", "cvq", "simvq", "residual_vq", "grouped_vq"}
    assert expected | {"fsq", "lfq"} <= set(NAMES)


@pytest.mark.parametrize("shape", [(16,), (2, 4, 4)], ids=["BD", "BHWD"])
@pytest.mark.parametrize("name", NAMES)
def test_contract_shapes_stats_and_eval_lookup(name: str, shape: tuple[int, ...]) -> None:
    q = make(name)
    assert isinstance(q, Quantizer) and isinstance(q.codebook_size, int) and q.dim == D
    z = torch.randn(*shape, D, dtype=torch.float64)
    out = q(z)
    assert isinstance(out, QuantOut)
    assert out.z_q.shape == z.shape and out.z_q.dtype == torch.float64
    assert out.indices.shape == (*shape, *q.index_shape) and out.indices.dtype == torch.int64
    assert int(out.indices.min()) >= 0 and int(out.indices.max()) < q.codebook_size
    assert set(out.losses) <= LOSS_NAMES
    for value in out.losses.values():
        assert value.shape == () and torch.isfinite(value)
    assert set(out.stats) == STATS
    for value in out.stats.values():
        assert value.shape == () and not value.requires_grad and torch.isfinite(value)
    assert 0 < float(out.stats["usage"]) <= 1 and float(out.stats["perplexity"]) >= 1
    k = q.codebook_size
    assert float(out.stats["perplexity_norm"]) == pytest.approx(out.stats["perplexity"] / k)
    assert 0 <= float(out.stats["code_entropy_bits"]) <= math.log2(k) + 1e-9

    q.eval()
    out = q(z)
    assert torch.equal(out.z_q, q.indices_to_codes(out.indices))
    assert float(out.stats["quant_error"]) == pytest.approx(
        float((z - out.z_q).pow(2).sum(-1).mean().detach()), rel=1e-12
    )


@pytest.mark.parametrize("name", NAMES)
def test_contract_gradients_reach_input_and_every_parameter(name: str) -> None:
    q = make(name)
    z = torch.randn(4, 3, 3, D, dtype=torch.float64, requires_grad=True)
    out = q(z)
    ((out.z_q * torch.randn_like(out.z_q)).sum() + aux(out)).backward()
    assert z.grad is not None and torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0
    for pname, p in q.named_parameters():
        assert p.requires_grad, f"{pname}: frozen tensors must be buffers"
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname


@pytest.mark.parametrize("name", NAMES)
def test_contract_state_dict_round_trip(name: str) -> None:
    a = make(name, seed=0)
    z = torch.randn(64, D, dtype=torch.float64)
    a(z)  # one training step moves EMA / k-means / usage state
    b = make(name, seed=1)
    b.load_state_dict(a.state_dict())
    a.eval()
    b.eval()
    out_a, out_b = a(z), b(z)
    assert torch.equal(out_a.z_q, out_b.z_q) and torch.equal(out_a.indices, out_b.indices)
    assert a.dead_codes == b.dead_codes


@pytest.mark.parametrize("name", NAMES)
def test_contract_unknown_option_is_a_config_error(name: str) -> None:
    with pytest.raises(ConfigError, match="no_such_option"):
        QUANTIZERS.build({"name": name, "no_such_option": 1}, dim=D)


@pytest.mark.parametrize("name", NAMES)
def test_tiny_autoencoder_loss_decreases(name: str) -> None:
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    encoder, decoder = nn.Linear(8, 8), nn.Linear(8, 8)
    q = QUANTIZERS.build(small(name), dim=8)
    params = [*encoder.parameters(), *q.parameters(), *decoder.parameters()]
    opt = torch.optim.Adam(params, lr=1e-2)

    def loss() -> torch.Tensor:
        out = q(encoder(x))
        return F.mse_loss(decoder(out.z_q), x) + aux(out)

    first = float(loss().detach())
    for _ in range(30):
        opt.zero_grad()
        step_loss = loss()
        step_loss.backward()
        opt.step()
    assert float(loss().detach()) < first
