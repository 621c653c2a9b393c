"""MNIST IDX folders written here in the real format, plus corrupt ones."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from vaekit.config import DataConfig
from vaekit.data import DataError, load_data
from vaekit.data.idx import read_idx


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.tobytes()


def write_mnist(folder: Path, gz: bool = False) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (30, 4, 5), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.repeat(np.arange(3, dtype=np.uint8), 10),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (6, 4, 5), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.arange(6, dtype=np.uint8) % 3,
    }
    folder.mkdir(exist_ok=True)
    for name, array in arrays.items():
        data = idx_bytes(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder(tmp_path, gz):
    arrays = write_mnist(tmp_path, gz)
    s = load_data(DataConfig(name=str(tmp_path), binarize="none"))
    assert s.shape == (1, 4, 5) and s.num_classes == 3 and s.test.scale == 1 / 255
    assert (len(s.train), len(s.val), len(s.test)) == (27, 3, 6)  # test is t10k, as it comes
    assert np.array_equal(s.test.x[:, 0].numpy(), arrays["t10k-images-idx3-ubyte"])
    assert np.array_equal(s.test.y.numpy(), arrays["t10k-labels-idx1-ubyte"])
    assert s.val.y.bincount().tolist() == [1, 1, 1]


def test_read_idx_round_trip(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "f").write_bytes(idx_bytes(array))
    assert np.array_equal(read_idx(tmp_path / "f"), array)


def test_missing_idx_files(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match=r"missing MNIST IDX file.* t10k-labels-idx1-ubyte"):
        load_data(DataConfig(name=str(tmp_path)))


@pytest.mark.parametrize(
    "data, message",
    [
        (
            idx_bytes(np.zeros((3, 2, 2), np.uint8))[:-1],
            r"is truncated or corrupt: shape \(3, 2, 2\)",
        ),
        (
            idx_bytes(np.zeros((3, 2, 2), np.uint8)) + b"x",
            r"is truncated or corrupt: .* needs 12 data bytes, found 13",
        ),
        (bytes([0, 0, 8, 3, 0, 0]), "is truncated: its header is cut short"),
        (b"\x01\x02\x08\x03", r"is not an IDX file \(bad magic number\)"),
        (idx_bytes(np.zeros((3, 2, 2), ">f4"), 0x0D), "holds IDX type 0x0d; only unsigned bytes"),
    ],
)
def test_corrupt_idx_names_the_file(tmp_path, data, message):
    write_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(data)
    with pytest.raises(DataError, match=f"train-images-idx3-ubyte {message}"):
        load_data(DataConfig(name=str(tmp_path)))


def test_corrupt_gzip(tmp_path):
    write_mnist(tmp_path, gz=True)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"not gzip")
    with pytest.raises(DataError, match=r"cannot read .*t10k-images-idx3-ubyte.gz"):
        load_data(DataConfig(name=str(tmp_path)))


def test_images_and_labels_must_match(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(29, np.uint8)))
    with pytest.raises(DataError, match=r"got \(30, 4, 5\) and \(29,\)"):
        load_data(DataConfig(name=str(tmp_path)))
