"""Data sources behind one protocol: file-backed sources serve exactly the in-memory batches."""

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import vaekit.data.image_stream as image_stream
import vaekit.data.npy_mmap as npy_mmap
from vaekit.config import DataConfig
from vaekit.data import ArrayDataset, DataError, FileSource, load_data
from vaekit.types import DataSource

SPLITS = ("train", "val", "test")


def load(path: Path, **kw):
    return load_data(DataConfig(name=str(path), **kw))


def batches(source: DataSource, order: torch.Tensor, size: int) -> list:
    return [(b.x, b.y) for b in source.batches(order, size, "cpu")]


def assert_same_batches(a: DataSource, b: DataSource, size: int = 7) -> None:
    """Same examples and labels, batch by batch, for a shuffled order and for the identity."""
    assert len(a) == len(b) and a.shape == b.shape
    for order in (
        torch.randperm(len(a), generator=torch.Generator().manual_seed(1)),
        torch.arange(len(a)),
    ):
        got, expected = batches(a, order, size), batches(b, order, size)
        assert len(got) == len(expected) == -(-len(a) // size)
        for (x, y), (x0, y0) in zip(got, expected, strict=True):
            assert x.dtype == torch.float32 and torch.equal(x, x0)
            assert (y is None and y0 is None) or torch.equal(y, y0)


def write_npy(folder: Path, x: np.ndarray, labels: np.ndarray | None = None) -> Path:
    np.save(folder / "x.npy", x)
    if labels is not None:
        np.save(folder / "x.labels.npy", labels)
    return folder / "x.npy"


RNG = np.random.default_rng(0)
ARRAYS = {
    "uint8 (N, H, W) labelled": (RNG.integers(0, 256, (40, 6, 5), dtype=np.uint8), True),
    "int64 0..255 (N, C, H, W)": (RNG.integers(0, 256, (30, 2, 3, 3)), False),
    "bool (N, D)": (RNG.random((30, 7)) < 0.5, True),
    "int 0/1": (RNG.integers(0, 2, (30, 4)), False),
    "float64 (N, D)": (RNG.random((30, 5)), True),
    "float32 above 1": (RNG.random((30, 5)).astype(np.float32) * 3, False),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_mmap_serves_the_batches_of_memory(tmp_path, name):
    x, labelled = ARRAYS[name]
    labels = np.arange(len(x)) % 3 if labelled else None
    path = write_npy(tmp_path, x, labels)
    memory, mapped = load(path, binarize="none"), load(path, binarize="none", storage="mmap")
    assert mapped.shape == memory.shape and mapped.num_classes == memory.num_classes
    for split in SPLITS:
        a, b = getattr(mapped, split), getattr(memory, split)
        assert isinstance(a, FileSource) and isinstance(b, ArrayDataset)
        assert a.prepare("cpu") is a and a.reader is mapped.train.reader  # views, one file
        assert_same_batches(a, b)
        assert_same_batches(a.prepare("cpu"), b.prepare("cpu"))  # the engine's fast path
        idx = torch.tensor([len(a) - 1, 0, 1])
        assert torch.equal(a.batch(idx).x, b.batch(idx).x)


@pytest.mark.parametrize(
    "x, mode",
    [
        (RNG.integers(0, 256, (20, 4), dtype=np.uint8), "dynamic"),
        (np.array([[0, 255], [255, 0]] * 10, np.uint8), "none"),
        (np.array([[0, 200], [200, 0]] * 10, np.uint8), "dynamic"),
        (np.array([[0, 128, 255]] * 20, np.uint8), "dynamic"),
        (np.array([[0.0, 1.0], [1.0, 1.0]] * 10), "none"),
        (np.array([[0.0, 0.5], [0.5, 0.0]] * 10), "dynamic"),
        (np.zeros((20, 3), np.float32), "none"),
    ],
)
def test_mmap_finds_binary_data_as_memory_does(tmp_path, monkeypatch, x, mode):
    monkeypatch.setattr(npy_mmap, "_CHUNK_BYTES", 1)  # one row per chunk
    path = write_npy(tmp_path, x)
    assert load(path).binarize == load(path, storage="mmap").binarize == mode


@pytest.mark.parametrize(
    "last_row, message",
    [
        ([0, 300], "integer examples must be 8-bit values 0..255, got 0..300 in .*x.npy"),
        ([0.0, np.nan], "x.npy holds NaN or infinite values"),
    ],
)
def test_mmap_checks_every_chunk_without_reading_the_whole_file(
    tmp_path, monkeypatch, last_row, message
):
    x = np.concatenate([np.zeros((9, 2)), [last_row]]).astype(type(last_row[1]))
    path = write_npy(tmp_path, x)
    monkeypatch.setattr(npy_mmap, "_CHUNK_BYTES", 3 * x.itemsize * 2)  # 3 rows at a time
    read = []
    real_load = np.load

    def spying_load(*args, **kw):
        return real_load(*args, **kw).view(RowSpy).watch(read)

    monkeypatch.setattr(npy_mmap.np, "load", spying_load)
    with pytest.raises(DataError, match=message):
        load(path, storage="mmap")
    assert max(read) == 3 and sum(read) == 10


class RowSpy(np.ndarray):
    """An array that records how many rows each read of it takes."""

    def watch(self, log: list) -> "RowSpy":
        self.log = log
        return self

    def __getitem__(self, key):
        out = super().__getitem__(key)
        if isinstance(out, np.ndarray) and hasattr(self, "log"):
            self.log.append(len(out) if out.ndim == self.ndim else 1)
            return out.view(np.ndarray)
        return out


def test_mmap_reads_the_rows_of_a_batch_in_file_order(tmp_path):
    x = RNG.integers(0, 256, (20, 3), dtype=np.uint8)
    source = load(
        write_npy(tmp_path, x), storage="mmap", binarize="none", val_fraction=0, test_fraction=0
    ).train
    keys = []

    class KeySpy(np.ndarray):
        def __getitem__(self, key):
            keys.append(np.array(key))
            return super().__getitem__(key).view(np.ndarray)

    source.reader.array = source.reader.array.view(KeySpy)
    rows = torch.tensor([17, 2, 9, 2])
    got = source.reader.read(rows, None)
    assert [k.tolist() for k in keys] == [[2, 2, 9, 17]]
    assert torch.equal(got, torch.from_numpy(x[[17, 2, 9, 2]]).float() * (1 / 255))


@pytest.mark.parametrize("storage", ["memory", "mmap", "stream"])
def test_empty_splits_serve_no_batches(tmp_path, storage):
    path = (
        write_folder(tmp_path) if storage == "stream" else write_npy(tmp_path, RNG.random((9, 2)))
    )
    s = load(path, storage=storage, binarize="none", val_fraction=0, test_fraction=0)
    assert len(s.val) == 0 and batches(s.val, torch.arange(0), 4) == []
    assert s.val.batch(torch.arange(0)).x.shape == (0, *s.shape)


def write_image(path: Path, pixels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def write_folder(folder: Path, n: int = 12, size: tuple[int, ...] = (5, 4)) -> Path:
    """``n`` random images in each of two class subfolders."""
    rng = np.random.default_rng(2)
    for label in ("a", "b"):
        for i in range(n):
            write_image(folder / label / f"{i:03d}.png", rng.integers(0, 256, size, np.uint8))
    return folder


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("colour", [False, True])
def test_stream_serves_the_batches_of_memory(tmp_path, workers, colour):
    folder = write_folder(tmp_path, size=(5, 4, 3) if colour else (5, 4))
    if colour:  # a greyscale image in a colour folder becomes RGB, as in memory
        write_image(folder / "b" / "999.png", np.full((5, 4), 9, np.uint8))
    memory = load(folder, binarize="none")
    streamed = load(folder, binarize="none", storage="stream", workers=workers)
    assert streamed.shape == memory.shape == ((3, 5, 4) if colour else (1, 5, 4))
    assert streamed.num_classes == memory.num_classes == 2
    for split in SPLITS:
        a, b = getattr(streamed, split), getattr(memory, split)
        assert isinstance(a, FileSource) and a.prepare("cpu") is a
        assert_same_batches(a, b, size=5)
        idx = torch.tensor([len(a) - 1, 0])
        assert torch.equal(a.batch(idx).x, b.batch(idx).x)


def test_stream_reads_one_image_per_example(tmp_path, monkeypatch):
    source = load(write_folder(tmp_path), storage="stream", workers=0, binarize="none").train
    reads = []
    real = image_stream.read_image

    def counting_read(path):
        reads.append(path)
        return real(path)

    monkeypatch.setattr(image_stream, "read_image", counting_read)
    order = torch.tensor([5, 1, 7])
    (batch,) = source.batches(order, 4, "cpu")
    assert len(reads) == 3 and len(batch) == 3
    rows = source.rows[order].tolist()
    assert [str(p) for p in reads] == [source.reader.files[r] for r in rows]


def test_stream_holds_paths_not_pixels(tmp_path):
    kw = {"storage": "stream", "binarize": "none"}
    small = load(write_folder(tmp_path / "s", size=(4, 4)), **kw).train
    large = load(write_folder(tmp_path / "l", size=(64, 64)), **kw).train
    size_small, size_large = len(pickle.dumps(small)), len(pickle.dumps(large))
    assert abs(size_large - size_small) < 16  # 256 times the pixels, the same size
    assert size_large < 64 * 64  # less than one image
    assert set(vars(large.reader)) == {"files", "shape", "workers"}


def test_stream_uses_a_loader_per_pass_with_the_asked_order(tmp_path, monkeypatch):
    source = load(write_folder(tmp_path), storage="stream", workers=3, binarize="none").train
    made = []

    class FakeLoader:
        def __init__(self, dataset, **kw):
            made.append(kw)

        def __iter__(self):
            return iter(())

    monkeypatch.setattr(image_stream, "DataLoader", FakeLoader)
    rows = [torch.tensor([4, 0]), torch.tensor([2])]
    for device in ("cpu", "cuda"):
        list(source.reader.stream(rows, None, device))
    cpu, cuda = made
    assert cpu["batch_sampler"] == [[4, 0], [2]]
    assert cpu["num_workers"] == 3 and not cpu["persistent_workers"]
    assert not cpu["pin_memory"] and cuda["pin_memory"]
    assert isinstance(cpu["generator"], torch.Generator)


@pytest.mark.parametrize("workers", [0, 2])
def test_stream_leaves_the_global_rng_alone(tmp_path, workers):
    source = load(write_folder(tmp_path), storage="stream", workers=workers).val
    state = torch.get_rng_state()
    batches(source, torch.arange(len(source)), 3)
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("workers", [0, 2])
def test_stream_image_of_another_size_names_both_files(tmp_path, workers):
    write_image(tmp_path / "a" / "0.png", np.zeros((4, 3), np.uint8))
    write_image(tmp_path / "b" / "1.png", np.zeros((5, 3), np.uint8))
    s = load(tmp_path, storage="stream", workers=workers, val_fraction=0, test_fraction=0)
    with pytest.raises(DataError) as e:
        batches(s.train, torch.arange(2), 2)
    assert str(e.value) == (
        f"images differ in size: {tmp_path / 'b' / '1.png'} is 3×5 "
        f"but {tmp_path / 'a' / '0.png'} is 3×4"
    )


@pytest.mark.parametrize("workers", [0, 2])
def test_stream_colour_image_in_a_grey_folder(tmp_path, workers):
    write_image(tmp_path / "0.png", np.zeros((4, 3), np.uint8))
    write_image(tmp_path / "1.png", np.zeros((4, 3, 3), np.uint8))
    (tmp_path / "2.png").write_bytes(b"not an image")
    kw = {"storage": "stream", "workers": workers, "binarize": "none"}
    s = load(tmp_path, val_fraction=0, test_fraction=0, **kw)
    in_file_order = torch.argsort(s.train.rows)
    with pytest.raises(DataError, match=r"1.png is in colour but .*0.png is greyscale") as e:
        batches(s.train, in_file_order[[0, 1]], 2)
    assert "\n" not in str(e.value)
    with pytest.raises(DataError, match=r"^cannot read image .*2.png"):
        batches(s.train, in_file_order[[0, 2]], 2)
