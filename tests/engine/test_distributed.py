"""Data-parallel training on CPU with two gloo processes, each set up as ``torchrun``
sets up a rank (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``). Ranks are
forked from a fork server that has imported this module once: none pays for importing
torch again, and none inherits the test process's threads (a rank forked straight from a
process whose OpenMP pool has run hangs in its first parallel region).

A distributed run and one process with the same global batch reach the same parameters
(:data:`TOLERANCE`); a killed distributed run resumes to exactly the uninterrupted
result; a rank that dies or hangs ends the job with a clear error; the codebook
statistics are reduced across ranks.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import shutil
import signal
import socket
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.distributed as dist
from support import assert_same_weights, weights
from torch import nn

from vaekit import api, parallel
from vaekit.config import TrainConfig
from vaekit.data import ArrayDataset
from vaekit.distributions import diagonal
from vaekit.engine import Trainer
from vaekit.engine.distributed import World
from vaekit.quantizers import KMeansInit
from vaekit.quantizers.cvq import OnlineClustering
from vaekit.quantizers.updates import EMAUpdate
from vaekit.quantizers.usage import CodeUsage
from vaekit.rundir import RunDir
from vaekit.types import Batch, ParamGroup, Step, StepContext, StepOut

# 100 digits → 80 training examples: global batches of 32, 32, 16 (16, 16, 8 per rank)
TINY = [
    "data.subset=100",
    "data.binarize=static",  # dynamic binarisation draws per rank: another noise
    "train.batch_size=32",
    "eval.nll_samples=4",
    "eval.num_pictures=0",
    "model.latent_dim=4",
]
NETS = {
    "vae": ["model.encoder.hidden=[32]", "model.decoder.hidden=[32]"],
    "vqvae_ema": [
        "model.encoder={name: conv_grid, channels: 8}",
        "model.decoder={name: conv_grid, channels: 8}",
        "model.quantizer={name: vq, update: ema, reseed_dead: true, codebook_size: 16}",
    ],
}
# float sums in another order (two half-batch means averaged vs one mean), through Adam
TOLERANCE = 1e-4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rank_main(
    target: Callable[..., None], args: tuple[Any, ...], rank: int, world: int, port: str, tmp: Path
) -> None:
    """One rank: torchrun's environment, then ``target(rank, world, *args)``; an error is
    written to ``tmp/rank<r>.err`` for the test to assert on."""
    torch.set_num_threads(1)
    if world > 1:
        os.environ.update(
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            WORLD_SIZE=str(world),
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=port,
        )
    try:
        target(rank, world, *args)
    except BaseException as e:  # reported to the test, which asserts on it
        (tmp / f"rank{rank}.err").write_text("".join(traceback.format_exception_only(type(e), e)))
        os._exit(1)
    os._exit(0)


CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["torch._dynamo", "sklearn.datasets", __name__])


def launch(target: Callable[..., None], tmp: Path, *args: Any, world: int = 2) -> list:
    """Start ``world`` ranks running ``target(rank, world, *args)`` (a module-level
    function: the fork server looks it up by name; one plain process when ``world`` is
    1)."""
    port = str(free_port())
    procs = [
        CONTEXT.Process(target=rank_main, args=(target, args, r, world, port, tmp))
        for r in range(world)
    ]
    for p in procs:
        p.start()
    return procs


def finish(procs: list, tmp: Path, timeout: float = 180) -> list[tuple[int | None, str]]:
    """Every rank's exit code and error text (a rank still running is killed)."""
    out = []
    for r, p in enumerate(procs):
        p.join(timeout)
        if p.is_alive():
            p.kill()
            p.join()
        err = tmp / f"rank{r}.err"
        out.append((p.exitcode, err.read_text() if err.exists() else ""))
    return out


def run_ok(target: Callable[..., None], tmp: Path, *args: Any, world: int = 2) -> None:
    for code, err in finish(launch(target, tmp, *args, world=world), tmp):
        assert code == 0, err


def global_noise(rank: int, world: int) -> None:
    """Make ``DiagonalNormal.rsample`` draw this rank's rows of the global batch's noise
    (from a generator seeded by the call count), so that one process and two draw the
    same noise for the same example."""
    calls = [0]
    randn = torch.randn

    class Patched:
        def __getattr__(self, name: str) -> object:
            return getattr(torch, name)

        @staticmethod
        def randn(shape: torch.Size, *, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
            calls[0] += 1
            g = torch.Generator().manual_seed(calls[0])
            full = randn((shape[0] * world, *shape[1:]), generator=g, dtype=dtype)
            return full[rank::world].to(device)

    diagonal.torch = Patched()  # type: ignore[assignment]  # in the forked rank only


def trainer(
    rank: int,
    world: int,
    out: Path,
    model: str,
    settings: list[str],
    same_noise: bool = True,
    hook: tuple[str, int] | None = None,
) -> None:
    """A rank of ``vaekit train``; ``hook`` = ("kill", step) or ("crash" | "hang", step)."""
    if same_noise:
        global_noise(rank, world)
    cfg = api.make_config(model=model, data="digits", epochs=2, overrides=settings)
    on_step = None if hook is None else (kill_at if hook[0] == "kill" else failing)(*hook)
    api.train(cfg, out=out, progress=False, on_step=on_step)


def resumer(rank: int, world: int, run: Path) -> None:
    api.resume(run, progress=False)


def train_losses(run: Path) -> list[float]:
    with open(run / RunDir.METRICS) as f:
        return [float(row["train_loss"]) for row in csv.DictReader(f)]


def reductions(rank: int, world: int) -> None:
    """Each rank holds half a batch; after the collectives every rank must hold what one
    process computes from the whole batch."""
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    e, idx = torch.randn(12, 3), torch.randint(4, (12,))  # the whole batch, on both ranks
    mine = slice(rank * 6, rank * 6 + 6)
    codebook = torch.randn(4, 3)
    assert parallel.world_size() == 2
    assert torch.equal(parallel.sum_over_ranks(torch.tensor([rank + 1.0])), torch.tensor([3.0]))
    assert torch.equal(parallel.gather_rows(e[mine][: 5 + rank]), torch.cat([e[:5], e[6:]]))
    assert parallel.from_rank_zero(torch.tensor([float(rank)])).item() == 0.0
    for kind in (EMAUpdate, OnlineClustering):
        local, whole = codebook.clone(), codebook.clone()
        update, one = kind(decay=0.9), kind(decay=0.9)
        update.bind(local)
        one.bind(whole)
        update.step(local, e[mine], idx[mine])  # reduced across the two ranks
        size, parallel.world_size = parallel.world_size, lambda: 1  # one process, all of e
        one.step(whole, e, idx)
        parallel.world_size = size
        torch.testing.assert_close(local, whole, msg=kind.__name__)
    usage = CodeUsage(4, dead_after=1)
    usage.update(idx[mine])
    assert torch.equal(usage.counts, torch.bincount(idx, minlength=4))
    torch.manual_seed(rank)  # other draws on each rank: rank 0's k-means start wins
    fitted = torch.zeros(4, 3)
    KMeansInit(iters=5).fit(fitted, e[mine])
    both = [torch.zeros(4, 3) for _ in range(2)]
    dist.all_gather(both, fitted)
    assert torch.equal(both[0], both[1])
    dist.destroy_process_group()


def test_collectives_and_codebook_statistics_match_one_process_with_the_whole_batch(tmp_path):
    run_ok(reductions, tmp_path)


@pytest.mark.parametrize("model", ["vae", "vqvae_ema"])
def test_two_processes_reach_the_parameters_of_one_with_the_same_global_batch(model, tmp_path):
    settings = [*TINY, *NETS[model]]
    run_ok(trainer, tmp_path, tmp_path / "one", model, settings, world=1)
    run_ok(trainer, tmp_path, tmp_path / "two", model, settings, world=2)
    one, two = weights(tmp_path / "one"), weights(tmp_path / "two")
    assert one.keys() == two.keys()
    for k in one:
        torch.testing.assert_close(two[k], one[k], atol=TOLERANCE, rtol=TOLERANCE, msg=k)
    # the logged means are summed over ranks: the same epoch losses as one process
    assert train_losses(tmp_path / "two") == pytest.approx(train_losses(tmp_path / "one"), 1e-5)
    ckpt = torch.load(tmp_path / "two" / RunDir.CHECKPOINT, weights_only=True)
    states = ckpt["rank_rng"]
    assert len(states) == 2 and not torch.equal(states[0]["torch"], states[1]["torch"])


def kill_at(_: str, step: int) -> Callable[[int], None]:
    def hook(s: int) -> None:
        if s == step:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


@pytest.mark.slow
def test_a_killed_distributed_run_resumes_to_the_uninterrupted_result(tmp_path):
    settings = [*TINY, *NETS["vae"]]
    run_ok(trainer, tmp_path, tmp_path / "ref", "vae", settings, False)
    killed = launch(trainer, tmp_path, tmp_path / "run", "vae", settings, False, ("kill", 5))
    codes = [code for code, _ in finish(killed, tmp_path)]
    assert -signal.SIGKILL in codes, codes
    assert RunDir(tmp_path / "run").has(RunDir.CHECKPOINT)  # epoch 1 was saved
    shutil.copytree(tmp_path / "run", tmp_path / "other")
    run_ok(resumer, tmp_path, tmp_path / "run")
    assert_same_weights(weights(tmp_path / "run"), weights(tmp_path / "ref"))
    # one process resuming a two-process checkpoint: a clear note, then it finishes
    with pytest.warns(UserWarning, match="checkpointed with 2: the data order"):
        api.resume(tmp_path / "other", progress=False)


def failing(mode: str, at: int) -> Callable[[int], None]:
    def hook(step: int) -> None:
        if int(os.environ["RANK"]) == 1 and step == at:
            if mode == "crash":
                raise RuntimeError("rank 1 broke on purpose")
            time.sleep(600)

    return hook


@pytest.mark.parametrize("mode", ["crash", "hang"])
def test_a_failing_rank_ends_the_job_with_a_clear_error(mode, tmp_path):
    settings = [*TINY, *NETS["vae"], "train.dist_timeout_s=3"]
    start = time.monotonic()
    procs = launch(trainer, tmp_path, tmp_path / "run", "vae", settings, True, (mode, 2))
    code, err = finish(procs[:1], tmp_path, timeout=60)[0]
    elapsed = time.monotonic() - start
    finish(procs[1:], tmp_path, timeout=1)  # the hung rank is killed here
    assert code == 1 and elapsed < 60
    assert err.startswith("vaekit.engine.distributed.DistributedError: rank 0: a collective"), err


class TwoSteps(nn.Module):
    """Two optimizers, two steps: ``a`` minimises (a·b)², ``b`` minimises (b − 3)²; the
    first step's loss also has a gradient for ``b``, which the second must not see."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.tensor(2.0))
        self.b = nn.Parameter(torch.tensor(5.0))

    def optimizers(self) -> dict[str, ParamGroup]:
        return {"main": ParamGroup([self.a]), "other": ParamGroup([self.b])}

    def steps(self) -> list[Step]:
        return [Step("first", "main", self.first), Step("second", "other", self.second)]

    def first(self, batch: Batch, ctx: StepContext) -> StepOut:
        return StepOut((self.a * self.b) ** 2 * batch.x.mean())

    def second(self, batch: Batch, ctx: StepContext) -> StepOut:
        return StepOut((self.b - 3) ** 2 * batch.x.mean())


def two_steps(rank: int, world: int, tmp: Path) -> None:
    dist.init_process_group("gloo")
    model = TwoSteps()
    x = torch.tensor([[1.0], [3.0]])  # rank 0 sees 1, rank 1 sees 3: the mean is 2
    data = type("Splits", (), {"train": ArrayDataset(x), "val": ArrayDataset(x)})()
    cfg = TrainConfig(
        epochs=1,
        batch_size=2,
        optimizer="sgd",
        lr=0.1,
        optimizers={"other": {"optimizer": "sgd", "lr": 0.01}},
    )
    cpu = torch.device("cpu")
    Trainer(model, data, cfg, RunDir(tmp / "run"), 0, cpu, False, world=World(2, rank)).fit()
    # one SGD step on the global batch's mean x̄ = 2: a moves by 0.1 · 2ab² · x̄
    # and b by 0.01 · 2(b − 3) · x̄
    assert model.a.item() == pytest.approx(2.0 - 0.1 * 2 * 2.0 * 5.0**2 * 2)
    assert model.b.item() == pytest.approx(5.0 - 0.01 * 2 * (5.0 - 3) * 2)
    dist.destroy_process_group()


def test_each_of_several_steps_averages_its_gradients_over_the_ranks(tmp_path):
    run_ok(two_steps, tmp_path, tmp_path)
