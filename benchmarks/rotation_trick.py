"""Rotation trick against straight-through during training (issue 13).

Trains a quantized model with its default ``conv_grid`` networks (latent vectors of size
16, K = 512) on grey mnist5k (``binarize=none``), Adam 1e-3, batch 64, and every
``--every`` steps prints, for the training batch: the reconstruction (nats per image),
the rotation trick's scale ``λ = ‖q‖/‖e‖`` (median over the batch's vectors), the mean
cosine between each encoder output ``e`` and its code ``q``, the mean ``‖e‖`` and
``‖q‖``, the encoder's gradient norm and the number of codes the batch used. The values
are read from the gradient estimator's inputs, so they mean the same for both estimators.

Usage: python benchmarks/rotation_trick.py [--steps 1500] [--every 100] [--seed 1]
           [--quantizer '{"name": "vq", "gradient": "rotation", "init": "random"}']
"""

from __future__ import annotations

import argparse
import json

import torch
import torch.nn.functional as F

from vaekit.config import DataConfig
from vaekit.data import load_data
from vaekit.engine import seed_everything
from vaekit.models import QuantizedConfig
from vaekit.types import StepContext

BATCH = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quantizer", default='{"name": "rotation_vq"}', help="JSON spec")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    data = load_data(DataConfig(name="mnist5k", binarize="none"))
    seed_everything(args.seed)
    model = QuantizedConfig(quantizer=json.loads(args.quantizer)).build(data.shape)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    seen: dict[str, torch.Tensor] = {}

    def keep(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: object) -> None:
        seen["e"], seen["q"] = inputs[0].detach(), inputs[1].detach()

    model.quantizer.gradient.register_forward_hook(keep)
    ctx = StepContext(dataset_size=len(data.train), batch_size=BATCH)
    print("step recon lambda cos(e,q) |e| |q| encoder_grad codes_in_batch")
    step = 0
    while step < args.steps:
        for batch in data.train.batches(torch.randperm(len(data.train)), BATCH, "cpu"):
            out = model.step(batch, ctx)
            opt.zero_grad()
            out.loss.backward()
            grad = torch.cat([p.grad.flatten() for p in model.encoder.parameters()]).norm()
            opt.step()
            if step % args.every == 0 or step == args.steps - 1:
                e, q = seen["e"], seen["q"]
                scale = (q.norm(dim=-1) / e.norm(dim=-1)).median()
                cos = F.cosine_similarity(e, q, dim=-1).mean()
                print(
                    f"{step} {out.terms['recon'].mean():.1f} {scale:.3f} {cos:.3f} "
                    f"{e.norm(dim=-1).mean():.3f} {q.norm(dim=-1).mean():.3f} {grad:.1f} "
                    f"{len(q.unique(dim=0))}",
                    flush=True,
                )
            step += 1
            if step == args.steps:
                break


if __name__ == "__main__":
    main()
