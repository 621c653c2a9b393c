"""Run configs: defaults, YAML round trip, dotted overrides, type and key errors."""

import pytest
import yaml

from vaekit import api
from vaekit.config import apply_overrides, parse_override
from vaekit.registry import ConfigError


def test_yaml_round_trip_for_every_model():
    from vaekit.models import MODELS

    for name in MODELS.names():
        cfg = api.default_config(name)
        again = api.config_from_dict(yaml.safe_load(cfg.to_yaml()))
        assert again == cfg


def test_overrides_reach_every_section():
    cfg = api.make_config(
        model="beta_vae",
        overrides=[
            "seed=3",
            "data.subset=100",
            "train.batch_size=16",
            "train.lr=3e-4",
            "model.latent_dim=5",
            "model.beta=2",
            "model.encoder.hidden=[64, 32]",
            "model.likelihood.name=gaussian",
            "model.likelihood.sigma=0.2",
        ],
    )
    assert (cfg.seed, cfg.data.subset, cfg.train.batch_size) == (3, 100, 16)
    assert cfg.train.lr == 3e-4 and cfg.model.latent_dim == 5 and cfg.model.beta == 2.0
    assert cfg.model.encoder == {"name": "mlp", "hidden": [64, 32]}
    assert cfg.model.likelihood == {"name": "gaussian", "sigma": 0.2}


def test_model_name_override_switches_defaults():
    cfg = api.make_config(overrides=["model.name=iwae", "model.k=10"])
    assert cfg.model.name == "iwae" and cfg.model.k == 10


def test_config_file_then_shortcuts_then_set(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  name: iwae\n  k: 3\ntrain:\n  epochs: 7\n  lr: 1e-3\nseed: 5\n")
    cfg = api.make_config(path, epochs=9, overrides=["seed=6"])
    assert (cfg.model.name, cfg.model.k, cfg.train.epochs, cfg.seed) == ("iwae", 3, 9, 6)
    assert cfg.train.lr == 0.001


@pytest.mark.parametrize(
    "item, message",
    [
        ("train.nope=1", "unknown config key 'train.nope'"),
        ("nope=1", "unknown config key 'nope'"),
        ("train.epochs=many", "train.epochs must be an integer"),
        ("train.lr=fast", "train.lr must be a number"),
        ("train.tensorboard=3", "must be true or false"),
        ("model.latent_dimm=3", "valid keys under 'model'"),
    ],
)
def test_bad_overrides(item, message):
    with pytest.raises(ConfigError, match=message.replace("(", "\\(")):
        api.make_config(overrides=[item])


def test_parse_override_values():
    assert parse_override("a.b=1e-3") == (["a", "b"], 0.001)
    assert parse_override("a=[1, 2]") == (["a"], [1, 2])
    assert parse_override("a=null") == (["a"], None)
    with pytest.raises(ConfigError, match="key=value"):
        parse_override("a")
    with pytest.raises(ConfigError, match="not a section"):
        apply_overrides({"seed": 1}, ["seed.x=2"])
