"""bf16 autocast and torch.compile as config options, and the pure parts of data
parallelism (each rank's shard, the per-rank batch, the settings' checks)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from vaekit.config import TrainConfig
from vaekit.data import ArrayDataset
from vaekit.engine import Trainer
from vaekit.engine import loop as engine_loop
from vaekit.engine.distributed import World, check_shardable, local_batch_size, shard
from vaekit.registry import ConfigError
from vaekit.rundir import RunDir
from vaekit.types import Batch, OneStep, StepContext, StepOut


class Probe(OneStep, nn.Module):
    """A linear map whose step records the dtype its matrix product ran in."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.eye(4))
        self.seen: list[torch.dtype] = []

    def step(self, batch: Batch, ctx: StepContext) -> StepOut:
        y = batch.x @ self.w
        self.seen.append(y.dtype)
        return StepOut((y.float() - 1).pow(2).mean())


def fit(tmp_path, **settings) -> Probe:
    data = ArrayDataset(torch.randn(16, 4))
    splits = type("Splits", (), {"train": data, "val": data})()
    model = Probe()
    cfg = TrainConfig(epochs=1, batch_size=8, lr=0.1, **settings)
    Trainer(model, splits, cfg, RunDir(tmp_path), 0, torch.device("cpu"), False).fit()
    return model


def test_steps_run_in_float32_by_default(tmp_path):
    assert set(fit(tmp_path).seen) == {torch.float32}


def test_bf16_runs_the_steps_under_autocast_and_keeps_float32_weights(tmp_path):
    model = fit(tmp_path, precision="bf16")
    assert set(model.seen) == {torch.bfloat16}  # training and validation
    assert model.w.dtype == torch.float32
    assert not torch.equal(model.w.detach(), torch.eye(4))  # it trained


def test_compile_wraps_each_step(tmp_path, monkeypatch):
    compiled = []

    def fake_compile(fn):
        compiled.append(fn)
        return fn

    monkeypatch.setattr(engine_loop.torch, "compile", fake_compile)
    fit(tmp_path)
    assert compiled == []
    model = fit(tmp_path / "compiled", compile=True)
    assert [fn.__func__ for fn in compiled] == [Probe.step] and model.seen


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("precision", "fp16", "train.precision must be one of fp32, bf16"),
        ("dist_timeout_s", 0, "train.dist_timeout_s must be > 0"),
    ],
)
def test_bad_settings_are_refused(key, value, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**{key: value}).check()


def test_each_global_batch_is_the_union_of_the_ranks_local_batches():
    order = torch.randperm(21)
    ranks = [shard(order, World(3, r)) for r in range(3)]
    assert all(len(r) == 7 for r in ranks)  # 21 divides by 3: nothing sits out
    for i in range(3):  # global batch 6 = 3 ranks × 2 (the last one has 3 = 3 × 1)
        local = torch.cat([r[2 * i : 2 * i + 2] for r in ranks])
        assert sorted(local.tolist()) == sorted(order[6 * i : 6 * i + 6].tolist())
    two = [shard(order, World(2, r)) for r in range(2)]
    assert len(two[0]) == len(two[1]) == 10  # one example sits out this epoch
    assert torch.equal(shard(order, World()), order)


def test_the_global_batch_must_split_evenly_over_the_ranks():
    assert local_batch_size(32, World(4, 0)) == 8
    with pytest.raises(ConfigError, match="batch_size=30 is the global batch"):
        local_batch_size(30, World(4, 1))


def test_every_rank_needs_a_training_example(tmp_path):
    check_shardable(4, World(4, 3))
    with pytest.raises(ConfigError, match="has 3 examples, fewer than the 4 processes"):
        check_shardable(3, World(4, 0))
    data = ArrayDataset(torch.randn(3, 4))
    splits = type("Splits", (), {"train": data, "val": data})()
    cfg = TrainConfig(epochs=1, batch_size=4)
    with pytest.raises(ConfigError, match="fewer than the 4 processes"):  # before any DDP
        Trainer(Probe(), splits, cfg, RunDir(tmp_path), 0, torch.device("cpu"), world=World(4, 0))
