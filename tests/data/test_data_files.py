"""User data given by path: .npy/.npz arrays and folders of images."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vaekit.config import DataConfig
from vaekit.data import DataError, load_data


def load(path: Path, **kw):
    return load_data(DataConfig(name=str(path), **kw))


def save(tmp_path: Path, array: np.ndarray, name: str = "x.npy") -> Path:
    np.save(tmp_path / name, array)
    return tmp_path / name


def test_npy_4d_uint8(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (10, 3, 4, 5), dtype=np.uint8)
    s = load(save(tmp_path, x), binarize="none")
    assert s.shape == (3, 4, 5) and s.num_classes is None and s.train.y is None
    assert (len(s.train), len(s.val), len(s.test)) == (8, 1, 1)
    assert s.train.x.dtype == torch.uint8 and s.train.scale == 1 / 255
    together = torch.cat([s.train.x, s.val.x, s.test.x]).numpy()
    assert sorted(r.tobytes() for r in together) == sorted(r.tobytes() for r in x)


def test_npy_3d_float_gets_a_channel(tmp_path):
    x = np.random.default_rng(0).random((20, 6, 7))
    s = load(save(tmp_path, x), binarize="none", val_fraction=0, test_fraction=0)
    assert s.shape == (1, 6, 7) and s.train.x.dtype == torch.float32 and s.train.scale == 1.0
    assert np.allclose(np.sort(s.train.x.numpy().ravel()), np.sort(x.ravel()))
    static = load(save(tmp_path, x), binarize="static")
    assert set(static.train.x.unique().tolist()) <= {0, 1}


def test_npy_2d_vectors(tmp_path):
    s = load(save(tmp_path, np.random.default_rng(0).random((30, 5)).astype(np.float32)))
    assert s.shape == (5,) and s.binarize == "dynamic"


@pytest.mark.parametrize(
    "x, binarize",
    [
        (np.array([[0, 1], [1, 0]] * 5, np.uint8), "dynamic"),
        (np.array([[True, False]] * 10), "static"),
    ],
)
def test_binary_arrays_need_no_binarisation(tmp_path, x, binarize):
    s = load(save(tmp_path, x), binarize=binarize)
    assert s.binarize == "none" and s.train.scale == 1.0


def test_float_values_outside_unit_range(tmp_path):
    path = save(tmp_path, np.linspace(0, 3, 40).reshape(10, 4))
    assert load(path, binarize="none").train.float_x().max() == 3.0
    with pytest.raises(
        DataError, match=r"binarisation needs values in \[0, 1\], got range \[0, 3\]"
    ):
        load(path, binarize="dynamic")


@pytest.mark.parametrize(
    "x, message",
    [
        (
            np.zeros((2, 1, 2, 2, 2)),
            r"\(N, C, H, W\), \(N, H, W\) or \(N, D\) in .*x.npy, got \(2, 1, 2, 2, 2\)",
        ),
        (np.zeros(5), r"got \(5,\)"),
        (np.zeros((0, 3)), "x.npy holds no examples"),
        (np.array([[0, 300]]), "integer examples must be 8-bit values 0..255, got 0..300"),
        (np.array([[0.0, np.nan]]), "holds NaN or infinite values"),
        (np.array([["a", "b"]]), "expected numeric examples in .*, got dtype <U1"),
    ],
)
def test_bad_npy(tmp_path, x, message):
    with pytest.raises(DataError, match=message):
        load(save(tmp_path, x))


def test_npz_with_labels(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (40, 2, 3), dtype=np.uint8)
    y = np.repeat([0, 1, 2, 3], 10)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    s = load(tmp_path / "d.npz")
    assert s.shape == (1, 2, 3) and s.num_classes == 4
    assert s.test.y.bincount().tolist() == [1, 1, 1, 1]
    assert s.val.y.bincount().tolist() == [1, 1, 1, 1]


def test_npz_with_one_unnamed_array(tmp_path):
    np.savez(tmp_path / "d.npz", np.zeros((10, 3), np.float32))
    assert load(tmp_path / "d.npz").shape == (3,)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"a": np.zeros((4, 2)), "b": np.zeros(4)}, "holds arrays a, b; name the examples 'x'"),
        ({"x": np.zeros((4, 2)), "y": np.zeros(3)}, r"labels of shape \(4,\) in .*, got \(3,\)"),
        ({"x": np.zeros((4, 2)), "y": np.array([0, 1, -1, 0])}, "must be non-negative integers"),
        ({"x": np.zeros((4, 2)), "y": np.array([0, 1, 0.5, 0])}, "must be non-negative integers"),
    ],
)
def test_bad_npz(tmp_path, arrays, message):
    np.savez(tmp_path / "d.npz", **arrays)
    with pytest.raises(DataError, match=message):
        load(tmp_path / "d.npz")


def test_unreadable_files(tmp_path):
    (tmp_path / "x.npy").write_bytes(b"not numpy")
    with pytest.raises(DataError, match=r"cannot read .*x.npy"):
        load(tmp_path / "x.npy")
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"cannot read .*x.npz"):
        load(tmp_path / "x.npz")
    (tmp_path / "x.csv").write_text("1,2\n")
    with pytest.raises(DataError, match=r"cannot load .*x.csv: expected a path to .npy/.npz"):
        load(tmp_path / "x.csv")


def write_image(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_image_folder_with_classes(tmp_path):
    rng = np.random.default_rng(0)
    written = {}
    for label, name in enumerate(["cat", "dog"]):  # sorted names give the labels
        for i in range(5):
            pixels = rng.integers(0, 256, (5, 6), dtype=np.uint8)  # H=5, W=6
            write_image(tmp_path / name / f"{i}.png", pixels)
            written[pixels.tobytes()] = label
    (tmp_path / "notes.txt").write_text("ignored")
    s = load(tmp_path, binarize="none", val_fraction=0, test_fraction=0)
    assert s.shape == (1, 5, 6) and s.num_classes == 2 and s.train.scale == 1 / 255
    got = {x.numpy().tobytes(): int(y) for x, y in zip(s.train.x, s.train.y, strict=True)}
    assert got == written


def test_image_folder_rgb_and_mixed(tmp_path):
    write_image(tmp_path / "a.png", np.full((4, 4, 3), [10, 20, 30], np.uint8))
    write_image(tmp_path / "b.bmp", np.full((4, 4), 7, np.uint8))
    s = load(tmp_path, binarize="none", val_fraction=0, test_fraction=0)
    assert s.shape == (3, 4, 4) and s.num_classes is None
    values = sorted(tuple(x[:, 0, 0].tolist()) for x in s.train.x)
    assert values == [(7, 7, 7), (10, 20, 30)]


def test_image_size_mismatch(tmp_path):
    write_image(tmp_path / "a" / "0.png", np.zeros((4, 3), np.uint8))
    write_image(tmp_path / "b" / "1.png", np.zeros((5, 3), np.uint8))
    with pytest.raises(DataError) as e:
        load(tmp_path)
    assert str(e.value) == (
        f"images differ in size: {tmp_path / 'b' / '1.png'} is 3×5 "
        f"but {tmp_path / 'a' / '0.png'} is 3×4"
    )


def test_image_folder_errors(tmp_path):
    with pytest.raises(DataError, match=r"no images .* found in"):
        load(tmp_path)
    write_image(tmp_path / "0.png", np.zeros((2, 2), np.uint8))
    write_image(tmp_path / "cls" / "1.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(DataError, match=r"mixes images with class subfolders \(cls\)"):
        load(tmp_path)
    (tmp_path / "cls" / "1.png").unlink()
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"cannot read image .*broken.jpg"):
        load(tmp_path)


def test_npz_extras_travel_with_their_examples(tmp_path):
    rng = np.random.default_rng(0)
    n = 30
    x = rng.integers(0, 256, (n, 4, 3), dtype=np.uint8)
    y, mask, lengths = np.arange(n) % 3, rng.random((n, 5)) < 0.5, np.arange(n)
    np.savez(tmp_path / "d.npz", x=x, y=y, mask=mask, lengths=lengths)
    for binarize in ("none", "dynamic"):  # dynamic: a wrapped train, statically binarised val/test
        s = load(tmp_path / "d.npz", binarize=binarize)
        assert s.shape == (1, 4, 3)
        seen = []
        for split in (s.train, s.val, s.test):
            order = torch.randperm(len(split), generator=torch.Generator().manual_seed(0))
            for batch in split.batches(order, 4, "cpu"):
                idx = batch.extras["lengths"]  # each example's index in the file
                assert set(batch.extras) == {"mask", "lengths"}
                assert torch.equal(batch.extras["mask"], torch.from_numpy(mask)[idx])
                assert torch.equal(batch.y, torch.from_numpy(y)[idx])
                if binarize == "none":
                    assert torch.equal(batch.x, torch.from_numpy(x[idx][:, None]) * (1 / 255))
                seen += idx.tolist()
        assert sorted(seen) == list(range(n))


@pytest.mark.parametrize(
    "extra, message",
    [
        (np.zeros(3), r"extra 'e' must have one row per example \(4, ...\), got \(3,\)"),
        (
            np.array(["a", "b", "c", "d"]),
            "extra 'e' in .*d.npz must be numeric or boolean, got <U1",
        ),
    ],
)
def test_bad_npz_extras(tmp_path, extra, message):
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 2)), e=extra)
    with pytest.raises(DataError, match=message):
        load(tmp_path / "d.npz")


@pytest.mark.parametrize("storage", ["memory", "mmap"])
def test_npy_labels_beside_the_file(tmp_path, storage):
    x = np.random.default_rng(0).random((40, 3))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "x.labels.npy", np.repeat([0, 1, 2, 3], 10))
    s = load(tmp_path / "x.npy", storage=storage)
    assert s.num_classes == 4 and s.val.y.bincount().tolist() == [1, 1, 1, 1]
    np.save(tmp_path / "x.labels.npy", np.arange(39))
    with pytest.raises(
        DataError, match=r"expected labels of shape \(40,\) in .*x.npy, got \(39,\)"
    ):
        load(tmp_path / "x.npy", storage=storage)
