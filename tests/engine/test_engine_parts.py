"""Engine parts: device choice, schedules, KL warm-up, early stopping."""

import pytest
import torch
from safetensors.torch import load_file

from vaekit import api
from vaekit.engine import resolve_device
from vaekit.engine.optim import SCHEDULES, lr_at
from vaekit.registry import ConfigError, UnknownNameError
from vaekit.rundir import RunDir

TINY = [
    "data.subset=128",
    "train.batch_size=32",
    "eval.nll_samples=2",
    "eval.num_pictures=4",
    "model.latent_dim=2",
    "model.encoder.hidden=[16]",
    "model.decoder.hidden=[16]",
]


def test_device_auto_and_override():
    expected = "cuda" if torch.cuda.is_available() else None
    if expected:
        assert resolve_device("auto").type == "cuda"
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ConfigError, match="unknown device"):
        resolve_device("toaster")
    if not torch.cuda.is_available():
        assert resolve_device("auto").type in ("cpu", "mps")
        with pytest.raises(ConfigError, match="CUDA is not available"):
            resolve_device("cuda")


def test_schedules():
    assert lr_at(SCHEDULES.get("constant"), 5, 10, 0) == 1.0
    assert lr_at(SCHEDULES.get("cosine"), 5, 10, 0) == pytest.approx(0.5)
    assert lr_at(SCHEDULES.get("linear"), 5, 10, 0) == pytest.approx(0.5)
    assert lr_at(SCHEDULES.get("constant"), 1, 10, 4) == pytest.approx(0.5)
    with pytest.raises(UnknownNameError, match="valid choices: constant, cosine, linear"):
        SCHEDULES.get("step")


def test_kl_warmup_and_lr_are_logged(tmp_path):
    cfg = api.make_config(
        model="vae",
        data="digits",
        epochs=3,
        overrides=[*TINY, "train.kl_warmup_epochs=2", "train.schedule=linear"],
    )
    api.train(cfg, out=tmp_path / "run", progress=False)
    rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    header = rows[0].split(",")
    lrs = [float(r.split(",")[header.index("lr")]) for r in rows[1:]]
    assert lrs[0] > lrs[1] > lrs[2] > 0


def test_kl_weight_ramps_linearly(tmp_path):
    cfg = api.make_config(
        model="vae", data="digits", epochs=1, overrides=[*TINY, "train.kl_warmup_epochs=2"]
    )
    from vaekit.data import load_data
    from vaekit.engine import Trainer

    data = load_data(cfg.data)
    model = cfg.model.build(data.shape)
    trainer = Trainer(model, data, cfg.train, RunDir(tmp_path), 0, torch.device("cpu"), False)
    assert trainer.steps_per_epoch == 4
    assert [trainer.kl_weight(s) for s in (0, 4, 8, 20)] == [0.0, 0.5, 1.0, 1.0]


def test_early_stopping_stops_and_keeps_best(tmp_path):
    # lr so high that validation cannot keep improving; patience 1 stops early
    cfg = api.make_config(
        model="vae",
        data="digits",
        epochs=30,
        overrides=[*TINY, "train.early_stopping=1", "train.lr=0.05"],
    )
    result = api.train(cfg, out=tmp_path / "run", progress=False)
    history = [
        line.split(",") for line in (tmp_path / "run" / "metrics.csv").read_text().splitlines()[1:]
    ]
    assert result.epochs < 30
    vals = [float(row[3]) for row in history]
    assert vals[-1] >= min(vals[:-1])  # the last epoch did not improve
    ckpt = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    final = load_file(str(tmp_path / "run" / "model.safetensors"))
    assert all(torch.equal(final[k], ckpt["best_model"][k]) for k in final)
    assert not all(torch.equal(final[k], ckpt["model"][k]) for k in final)
    assert vals[ckpt["state"]["best_epoch"] - 1] == min(vals)


def test_tensorboard_logging_or_a_clear_install_hint(tmp_path):
    import importlib.util

    cfg = api.make_config(
        model="vae", data="digits", epochs=1, overrides=[*TINY, "train.tensorboard=true"]
    )
    if importlib.util.find_spec("tensorboard") is None:
        with pytest.raises(Exception, match=r"pip install 'vaekit\[tensorboard\]'"):
            api.train(cfg, out=tmp_path / "run", progress=False)
    else:
        api.train(cfg, out=tmp_path / "run", progress=False)
        assert any((tmp_path / "run" / "tensorboard").iterdir())
