"""Codebook strategies: EMA formula, CVQ re-anchoring, dead-code reset, k-means init."""

from __future__ import annotations

import math

import pytest
import torch

from vaekit.quantizers import VQ, EMAUpdate, OnlineClustering, kmeans

f64 = torch.float64


def vq_with_codebook(codebook: list[list[float]], **options: object) -> VQ:
    weight = torch.tensor(codebook, dtype=f64)
    q = VQ(dim=weight.shape[1], codebook_size=len(weight), **options).double()
    with torch.no_grad():
        q.codebook.copy_(weight)
    q.update.reset(q.codebook, torch.ones(len(weight), dtype=torch.bool))
    return q


def test_ema_update_matches_the_hand_computed_formula() -> None:
    decay, eps = 0.9, 1e-5
    q = vq_with_codebook([[0, 0], [4, 0], [0, 4]], update=EMAUpdate(decay, eps))
    assert "codebook" not in dict(q.named_parameters())
    e = torch.tensor([[0.5, 0.0], [-0.5, 0.2], [4.0, 1.0]], dtype=f64)
    out = q(e)
    assert out.indices.tolist() == [0, 0, 1] and set(out.losses) == {"commit"}

    # N_k = γ·1 + (1−γ) n_k with n = (2, 1, 0); m_k = γ c_k + (1−γ) Σ e_i.
    sizes = [0.9 * 1 + 0.1 * 2, 0.9 * 1 + 0.1 * 1, 0.9 * 1 + 0.1 * 0]
    sums = [[0.9 * 0 + 0.1 * 0.0, 0.9 * 0 + 0.1 * 0.2], [0.9 * 4 + 0.1 * 4, 0.1 * 1], [0, 0.9 * 4]]
    total = sum(sizes)
    smoothed = [(s + eps) / (total + 3 * eps) * total for s in sizes]
    codes = [[m / n for m in row] for row, n in zip(sums, smoothed, strict=True)]
    assert torch.allclose(q.update.cluster_size, torch.tensor(sizes, dtype=f64), atol=1e-15)
    assert torch.allclose(q.update.embed_sum, torch.tensor(sums, dtype=f64), atol=1e-15)
    assert torch.allclose(q.codebook, torch.tensor(codes, dtype=f64), atol=1e-14)


def test_ema_codebook_does_not_move_in_eval() -> None:
    q = vq_with_codebook([[0, 0], [4, 0]], update="ema").eval()
    before = q.codebook.clone()
    q(torch.randn(8, 2, dtype=f64))
    assert torch.equal(q.codebook, before)


def test_online_clustering_matches_the_cvq_formula() -> None:
    decay = 0.99
    q = vq_with_codebook([[0, 0], [10, 10]], update=OnlineClustering(decay))
    e = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [0.0, -4.0]], dtype=f64)
    out = q(e)
    assert out.indices.tolist() == [0, 0, 0, 0] and "codebook" in out.losses
    usage = [(1 - decay) * 1.0, 0.0]
    assert torch.allclose(q.update.avg_usage, torch.tensor(usage, dtype=f64))
    alpha = [math.exp(-u * 2 * 10 / (1 - decay) - 1e-3) for u in usage]
    anchors = [[1.0, 0.0], [0.0, 2.0]]  # the feature closest to each code
    old = [[0.0, 0.0], [10.0, 10.0]]
    expected = [
        [(1 - a) * c + a * f for c, f in zip(row, anchor, strict=True)]
        for a, row, anchor in zip(alpha, old, anchors, strict=True)
    ]
    assert torch.allclose(q.codebook, torch.tensor(expected, dtype=f64), atol=1e-12)


def near_first_two_codes() -> torch.Tensor:
    """16 points close to codes (0, 0) and (1, 0), so code 2 at (100, 100) stays idle."""
    return torch.tensor([[0.0, 0.0], [1.0, 0.0]], dtype=f64).repeat(8, 1) + 0.1 * torch.randn(
        16, 2, dtype=f64
    )


@pytest.mark.parametrize("update", ["loss", "ema"])
def test_dead_code_reset_fires_after_exactly_dead_after_idle_steps(update: str) -> None:
    codebook = [[0, 0], [1, 0], [100, 100]]
    q = vq_with_codebook(codebook, update=update, dead_after=3, reseed_dead=True)
    torch.manual_seed(0)
    for step in (1, 2):
        out = q(near_first_two_codes())
        assert sorted(set(out.indices.tolist())) == [0, 1]
        assert q.usage.idle[2].item() == step and q.dead_codes == 0
        assert q.codebook[2].tolist() == pytest.approx([100, 100], rel=1e-3)
    e = near_first_two_codes()
    q(e)
    assert any(torch.equal(q.codebook[2], row) for row in e)
    assert q.usage.idle[2].item() == 0 and q.dead_codes == 0
    if update == "ema":
        assert q.update.cluster_size[2].item() == 1.0
        assert torch.equal(q.update.embed_sum[2], q.codebook[2])


def test_dead_codes_are_counted_but_kept_without_reseeding() -> None:
    q = vq_with_codebook([[0, 0], [1, 0], [100, 100]], dead_after=3)
    for _ in range(3):
        q(near_first_two_codes())
    assert q.dead_codes == 1 and q.codebook[2].tolist() == [100, 100]
    assert q.usage.counts.sum().item() == 48


def blobs(n: int, centres: int, dim: int) -> torch.Tensor:
    means = 4 * torch.randn(centres, dim, dtype=f64)
    return means[torch.randint(centres, (n,))] + 0.1 * torch.randn(n, dim, dtype=f64)


def test_kmeans_init_reduces_quantisation_error() -> None:
    torch.manual_seed(0)
    x = blobs(512, 8, 4)
    errors = {}
    for init in ("random", "kmeans"):
        torch.manual_seed(1)
        q = VQ(dim=4, codebook_size=8, init=init).double()
        q(x)  # the first training batch fits k-means
        q.eval()
        errors[init] = q(x).stats["quant_error"].item()
    assert errors["kmeans"] < 0.5 * errors["random"]


def test_kmeans_fits_once_and_lloyd_iterations_do_not_increase_error() -> None:
    torch.manual_seed(0)
    x = blobs(300, 6, 3)

    def error(centroids: torch.Tensor) -> float:
        return torch.cdist(x, centroids).pow(2).min(-1).values.mean().item()

    errors = []
    for iters in (0, 1, 5):
        torch.manual_seed(2)
        errors.append(error(kmeans(x, 6, iters)))
    assert errors[0] >= errors[1] >= errors[2]

    q = VQ(dim=3, codebook_size=6, init={"name": "kmeans", "iters": 5}).double()
    q(x)
    fitted = q.codebook.detach().clone()
    q(x + 10)
    assert torch.equal(q.codebook, fitted) and bool(q.init.done)
    assert "init.done" in q.state_dict()


def test_kmeans_with_fewer_points_than_codes() -> None:
    x = torch.randn(3, 2, dtype=f64)
    centroids = kmeans(x, 5, iters=3)
    assert centroids.shape == (5, 2)
    assert all(any(torch.equal(c, row) for row in x) for c in centroids)
