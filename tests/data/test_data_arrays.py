"""ArrayDataset storage rules and binarisation."""

from types import SimpleNamespace

import pytest
import torch

from vaekit.data import ArrayDataset, DataError, dynamic_binarize, static_binarize
from vaekit.data.binarize import is_binary


def grey(n: int = 6) -> ArrayDataset:
    x = torch.arange(n * 4, dtype=torch.uint8).reshape(n, 1, 2, 2) * 10
    return ArrayDataset(x, torch.arange(n) % 3, torch.arange(n * 2).reshape(n, 2), scale=1 / 255)


def test_rejects_bad_shapes_and_types():
    with pytest.raises(DataError) as e:
        ArrayDataset(torch.zeros(5))
    assert str(e.value) == "expected an array of shape (N, ...) per example, got (5,)"
    with pytest.raises(DataError, match=r"uint8, float32 or float64, got torch.int32"):
        ArrayDataset(torch.zeros(5, 3, dtype=torch.int32))
    with pytest.raises(
        DataError, match=r"int64 labels of shape \(5,\), got torch.int64 of shape \(4,\)"
    ):
        ArrayDataset(torch.zeros(5, 3), y=torch.zeros(4, dtype=torch.int64))
    with pytest.raises(DataError, match=r"int64 labels"):
        ArrayDataset(torch.zeros(5, 3), y=torch.zeros(5))
    with pytest.raises(
        DataError, match=r"factors of shape \(5, K\), got torch.int64 of shape \(5,\)"
    ):
        ArrayDataset(torch.zeros(5, 3), factors=torch.zeros(5, dtype=torch.int64))
    with pytest.raises(DataError, match=r"scale must be positive, got 0"):
        ArrayDataset(torch.zeros(5, 3), scale=0)


def test_batch_scales_and_follows_indices():
    ds = grey()
    batch = ds.batch(torch.tensor([4, 1]))
    assert batch.x.dtype == torch.float32 and batch.x.shape == (2, 1, 2, 2)
    assert torch.equal(batch.x, ds.x[[4, 1]].float() * (1 / 255))
    assert batch.y.tolist() == [1, 1] and dict(batch.extras) == {}
    assert ArrayDataset(torch.ones(3, 2)).batch(torch.tensor([0])).y is None


def test_take_select_to_and_float_x():
    ds = grey()
    first = ds.take(2)
    assert len(first) == 2 and torch.equal(first.x, ds.x[:2]) and first.scale == ds.scale
    assert torch.equal(first.factors, ds.factors[:2])
    picked = ds.select(torch.tensor([5, 0]))
    assert picked.y.tolist() == [2, 0] and picked.factors.tolist() == [[10, 11], [0, 1]]
    moved = ds.to("cpu")
    assert moved.x.device.type == "cpu" and torch.equal(moved.y, ds.y)
    assert torch.allclose(ds.float_x().max(), torch.tensor(230 / 255))
    assert ds.float_x().dtype == torch.float32


def test_dynamic_binarize_samples_bernoulli():
    x = torch.full((200, 500), 0.3)
    g = torch.Generator().manual_seed(0)
    a, b = dynamic_binarize(x, g), dynamic_binarize(x, g)
    assert a.dtype == torch.float32 and a.shape == x.shape
    assert set(a.unique().tolist()) == {0.0, 1.0}
    assert abs(a.mean().item() - 0.3) < 0.01
    assert not torch.equal(a, b)  # a fresh sample each call
    again = dynamic_binarize(x, torch.Generator().manual_seed(0))
    assert torch.equal(a, again)


def test_dynamic_binarize_keeps_zeros_and_ones():
    x = torch.tensor([0.0, 1.0] * 1000)
    assert torch.equal(dynamic_binarize(x), x)


@pytest.mark.parametrize(
    "values, message",
    [([-0.5, 1.5], r"got range \[-0.5, 1.5\]"), ([0.0, float("nan")], r"got range \[nan")],
)
def test_dynamic_binarize_rejects_values_outside_unit_range(values, message):
    with pytest.raises(DataError, match=r"binarisation needs values in \[0, 1\], " + message):
        dynamic_binarize(torch.tensor(values))


def test_dynamic_binarize_needs_generator_on_data_device():
    cuda_generator = SimpleNamespace(device=torch.device("cuda"))
    with pytest.raises(DataError, match=r"generator is on cuda but the data on cpu"):
        dynamic_binarize(torch.rand(3), cuda_generator)


def test_static_binarize_is_fixed_by_seed():
    ds = ArrayDataset(torch.rand(50, 8))
    a, b, c = static_binarize(ds, 1), static_binarize(ds, 1), static_binarize(ds, 2)
    assert a.x.dtype == torch.uint8 and a.scale == 1.0
    assert set(a.x.unique().tolist()) == {0, 1}
    assert torch.equal(a.x, b.x) and not torch.equal(a.x, c.x)
    labelled = static_binarize(grey(), 0)
    assert torch.equal(labelled.y, grey().y) and torch.equal(labelled.factors, grey().factors)


def test_static_binarize_reports_the_range():
    with pytest.raises(DataError, match=r"got range \[0, 2\]"):
        static_binarize(ArrayDataset(torch.tensor([[0.0, 2.0]])), 0)


def test_is_binary():
    assert not is_binary(grey())
    assert is_binary(ArrayDataset(torch.tensor([[0, 255]], dtype=torch.uint8), scale=1 / 255))
    assert is_binary(ArrayDataset(torch.tensor([[0.0, 1.0]])))
    assert is_binary(ArrayDataset(torch.zeros(2, 2)))
    assert not is_binary(ArrayDataset(torch.tensor([[0.0, 2.0]])))
    assert not is_binary(ArrayDataset(torch.tensor([[0, 1]], dtype=torch.uint8), scale=1 / 255))
