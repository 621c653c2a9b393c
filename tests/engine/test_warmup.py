"""KL warm-up reaches the loss during real training: every step's loss is recon + w(t)·KL
with w(t) = t / (warm-up steps), computed here independently of the engine."""

from __future__ import annotations

import pytest
import torch

from vaekit import api
from vaekit.api import training

TINY = [
    "data.subset=128",
    "train.batch_size=32",
    "eval.nll_samples=2",
    "eval.num_pictures=0",
    "model.latent_dim=2",
    "model.encoder.hidden=[16]",
    "model.decoder.hidden=[16]",
]


@pytest.mark.parametrize("model", ["vae", "beta_vae"])
def test_kl_warmup_scales_the_kl_in_every_training_step(tmp_path, monkeypatch, model):
    seen = []
    original = training.Trainer._plan

    def spy_plan(self, m):
        updates = original(self, m)
        step = updates[0].fn

        def recorded(batch, ctx):
            out = step(batch, ctx)
            if ctx.training:
                seen.append((ctx.step, out.loss.detach(), out.terms["recon"], out.terms["kl"]))
            return out

        updates[0].fn = recorded
        return updates

    monkeypatch.setattr(training.Trainer, "_plan", spy_plan)
    cfg = api.make_config(
        model=model, data="digits", epochs=3, overrides=[*TINY, "train.kl_warmup_epochs=2"]
    )
    api.train(cfg, out=tmp_path / "run", progress=False)
    beta = 4.0 if model == "beta_vae" else 1.0
    steps_per_epoch = 4  # 128 examples, batches of 32
    assert [s for s, *_ in seen] == list(range(3 * steps_per_epoch))
    for step, loss, recon, kl in seen:
        w = min(1.0, step / (2 * steps_per_epoch))
        torch.testing.assert_close(loss, (recon + beta * w * kl).mean())
    assert seen[0][1] == pytest.approx(seen[0][2].mean().item())  # w(0) = 0: no KL at all
