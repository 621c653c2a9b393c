"""The disentanglement literature's networks: the 64×64 conv pair of Locatello et al. 2019
and the β-TCVAE paper's MLP pair, layer for layer, and selectable by config."""

import pytest
import torch
from torch import nn

from vaekit.models import MODELS
from vaekit.nn import DECODERS, ENCODERS


def _layers(module: nn.Module, kind: type) -> list[nn.Module]:
    return [m for m in module.modules() if isinstance(m, kind)]


def test_burgess_pair_is_the_published_architecture():
    enc = ENCODERS.build("burgess", in_shape=(1, 64, 64))
    convs = _layers(enc, nn.Conv2d)
    assert [(c.in_channels, c.out_channels) for c in convs] == [
        (1, 32),
        (32, 32),
        (32, 64),
        (64, 64),
    ]
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) for c in convs)
    assert [(f.in_features, f.out_features) for f in _layers(enc, nn.Linear)] == [(1024, 256)]
    assert enc(torch.zeros(3, 1, 64, 64)).shape == (3, 256) and enc.out_features == 256

    dec = DECODERS.build("burgess", latent_dim=10, out_shape=(1, 64, 64), num_params=2)
    assert [(f.in_features, f.out_features) for f in _layers(dec, nn.Linear)] == [
        (10, 256),
        (256, 1024),
    ]
    deconvs = _layers(dec, nn.ConvTranspose2d)
    assert [(c.in_channels, c.out_channels) for c in deconvs] == [
        (64, 64),
        (64, 32),
        (32, 32),
        (32, 2),
    ]
    assert not isinstance(dec.net[-1], nn.ReLU)  # the likelihood's parameters are unbounded
    assert dec(torch.zeros(3, 10)).shape == (3, 2, 1, 64, 64)


def test_burgess_refuses_a_side_that_does_not_halve_four_times():
    with pytest.raises(ValueError, match="multiple of 16, got 28"):
        ENCODERS.build("burgess", in_shape=(1, 28, 28))
    with pytest.raises(ValueError, match="four convolutions"):
        ENCODERS.build("burgess", in_shape=(1, 64, 64), channels=[32, 64])


def test_tcvae_mlp_pair_is_the_papers():
    enc = ENCODERS.build("tcvae_mlp", in_shape=(1, 64, 64))
    assert [(f.in_features, f.out_features) for f in _layers(enc, nn.Linear)] == [
        (4096, 1200),
        (1200, 1200),
    ]
    assert len(_layers(enc, nn.ReLU)) == 2 and enc.out_features == 1200
    dec = DECODERS.build("tcvae_mlp", latent_dim=10, out_shape=(1, 64, 64))
    assert [(f.in_features, f.out_features) for f in _layers(dec, nn.Linear)] == [
        (10, 1200),
        (1200, 1200),
        (1200, 1200),
        (1200, 4096),
    ]
    assert len(_layers(dec, nn.Tanh)) == 3
    assert dec(torch.zeros(2, 10)).shape == (2, 1, 1, 64, 64)


@pytest.mark.parametrize("net", ["burgess", "tcvae_mlp"])
def test_the_networks_are_chosen_by_config(net):
    model = MODELS.get("beta_tcvae")(latent_dim=4, encoder=net, decoder=net).build((1, 64, 64))
    assert type(model.encoder) is ENCODERS.get(net) and type(model.decoder) is DECODERS.get(net)
