"""data.storage and data.workers: checked before any data is read, one-line errors."""

import gzip

import numpy as np
import pytest

from vaekit.config import DataConfig, from_dict
from vaekit.data import load_data
from vaekit.registry import ConfigError


def error(name, **kw) -> str:
    with pytest.raises(ConfigError) as e:
        load_data(DataConfig(name=str(name), **kw))
    assert "\n" not in str(e.value)
    return str(e.value)


def test_config_keys_and_defaults():
    assert (DataConfig().storage, DataConfig().workers) == ("memory", 2)
    cfg = from_dict(DataConfig, {"storage": "stream", "workers": 0})
    assert (cfg.storage, cfg.workers) == ("stream", 0)


def test_unknown_storage_lists_the_valid_ones():
    assert error("digits", storage="disk") == (
        "data.storage must be one of memory, mmap, stream, got 'disk'"
    )


def test_negative_workers(tmp_path):
    message = "data.workers must be 0 (read in the main process) or more, got -1"
    assert error(tmp_path / "missing", storage="stream", workers=-1) == message


@pytest.mark.parametrize("name, storage", [("mnist5k", "mmap"), ("dsprites", "stream")])
def test_registered_datasets_live_in_memory(name, storage):
    assert error(name, storage=storage) == (
        f"dataset {name!r} is built in memory; data.storage must be 'memory' for it, "
        f"got {storage!r} (mmap and stream read files given by path)"
    )


def test_mmap_cannot_map_an_npz_archive(tmp_path):
    (tmp_path / "d.npz").write_bytes(b"never read")
    assert error(tmp_path / "d.npz", storage="mmap") == (
        f"data.storage=mmap cannot memory-map the archive {tmp_path / 'd.npz'}; save its "
        "examples as .npy (labels beside them as <stem>.labels.npy) or use data.storage=memory"
    )


def test_mmap_needs_an_npy_file(tmp_path):
    assert error(tmp_path, storage="mmap") == f"data.storage=mmap needs a .npy file, got {tmp_path}"
    (tmp_path / "x.csv").write_text("1,2\n")
    assert error(tmp_path / "x.csv", storage="mmap").endswith(
        "needs a .npy file, got " + str(tmp_path / "x.csv")
    )


def test_stream_needs_a_folder_of_images(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((4, 2)))
    assert error(tmp_path / "x.npy", storage="stream") == (
        f"data.storage=stream needs a folder of images, got the file {tmp_path / 'x.npy'}"
    )
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"never read"))
    assert error(tmp_path, storage="stream") == (
        f"data.storage=stream reads folders of images, but {tmp_path} is an MNIST IDX folder; "
        "use data.storage=memory"
    )
