"""The generated dSprites: factor bookkeeping, rendering invariants and known images."""

import math

import numpy as np
import pytest
import torch

from vaekit.data import DataError, DSprites
from vaekit.data.dsprites import dsprites
from vaekit.data.sprites import sprite_bank
from vaekit.types import FactorDataset

D = DSprites()
SQUARE, ELLIPSE, HEART = 0, 1, 2


def image(shape=0, scale=5, orientation=0, pos_x=10, pos_y=10) -> np.ndarray:
    return D.images_from_factors(np.array([[shape, scale, orientation, pos_x, pos_y]]))[0, 0]


def test_factor_space():
    assert isinstance(D, FactorDataset)
    assert len(D) == 737_280 == 3 * 6 * 40 * 32 * 32
    assert D.factor_names == ("shape", "scale", "orientation", "pos_x", "pos_y")
    assert D.factor_sizes == (3, 6, 40, 32, 32)


def test_index_round_trip_and_order():
    everything = np.arange(len(D))
    factors = D.index_to_factors(everything)
    assert factors.dtype == np.int64 and factors.shape == (737_280, 5)
    assert np.array_equal(D.factors_to_index(factors), everything)
    known = {1: [0, 0, 0, 0, 1], 32: [0, 0, 0, 1, 0], 1024: [0, 0, 1, 0, 0]}
    known |= {40 * 1024: [0, 1, 0, 0, 0], 6 * 40 * 1024: [1, 0, 0, 0, 0]}
    known |= {737_279: [2, 5, 39, 31, 31]}
    for index, f in known.items():
        assert D.index_to_factors(np.array([index]))[0].tolist() == f


def test_factor_values():
    v = D.factor_values(D.index_to_factors(np.arange(0, len(D), 7)))
    assert v.shape[1] == 5 and v.dtype == np.float64
    assert set(v[:, 0]) == {0.0, 1.0, 2.0}
    assert v[:, 1].min() == 0.5 and v[:, 1].max() == 1.0
    assert np.allclose(np.unique(v[:, 1]), [0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    assert np.allclose(np.diff(np.unique(v[:, 2])), 2 * math.pi / 40)
    assert v[:, 2].min() == 0.0 and np.isclose(v[:, 2].max(), 2 * math.pi * 39 / 40)
    assert np.array_equal(np.unique(v[:, 3]), np.linspace(0, 1, 32))
    assert np.array_equal(np.unique(v[:, 4]), np.linspace(0, 1, 32))


def test_sample_factors():
    f = D.sample_factors(5000, np.random.default_rng(0))
    assert f.shape == (5000, 5) and f.dtype == np.int64
    assert f.min() == 0 and f.max(axis=0).tolist() == [2, 5, 39, 31, 31]
    assert np.array_equal(f, D.sample_factors(5000, np.random.default_rng(0)))


@pytest.mark.parametrize(
    "factors, message",
    [
        ([[0, 6, 0, 0, 0]], "factor 'scale' must be in 0..5, got values in 6..6"),
        ([[0, 0, 0, 0, -1]], "factor 'pos_y' must be in 0..31, got values in -1..-1"),
        ([[0, 0, 0, 0]], r"integer factors of shape \(n, 5\), got int64 \(1, 4\)"),
        ([[0.0, 0, 0, 0, 0]], r"integer factors of shape \(n, 5\), got float64"),
    ],
)
def test_bad_factors(factors, message):
    with pytest.raises(DataError, match=message):
        D.images_from_factors(np.array(factors))


def test_bad_indices():
    with pytest.raises(DataError, match=r"indices must be in 0..737279, got values in 0..737280"):
        D.images(np.array([0, 737_280]))


def test_images_are_binary_and_agree():
    f = D.sample_factors(64, np.random.default_rng(1))
    images = D.images_from_factors(f)
    assert images.shape == (64, 1, 64, 64) and images.dtype == np.float32
    assert set(np.unique(images)) == {0.0, 1.0}
    assert np.array_equal(D.images(D.factors_to_index(f)), images)
    assert np.array_equal(D.render(f), images.astype(np.uint8))


def test_translation_moves_by_one_pixel():
    f = D.sample_factors(200, np.random.default_rng(2))
    f[:, 3:] = np.minimum(f[:, 3:], 30)
    base = D.images_from_factors(f)
    right, down = f.copy(), f.copy()
    right[:, 3] += 1
    down[:, 4] += 1
    assert np.array_equal(D.images_from_factors(right), np.roll(base, 1, axis=-1))
    assert np.array_equal(D.images_from_factors(down), np.roll(base, 1, axis=-2))


def test_sprites_fit_inside_the_canvas_at_every_position():
    bank = sprite_bank()
    assert bank.shape == (3, 6, 40, 33, 33)
    border = np.concatenate([bank[..., 0, :], bank[..., -1, :], bank[..., 0], bank[..., -1]], -1)
    assert not border.any()
    counts = bank.sum(axis=(-2, -1))
    for corner in [(0, 0), (0, 31), (31, 0), (31, 31)]:
        f = D.index_to_factors(np.arange(720) * 1024)  # every sprite at position (0, 0)
        f[:, 3:] = corner
        assert np.array_equal(D.render(f).sum(axis=(1, 2, 3)), counts.reshape(-1))


def test_pixel_count_grows_with_scale():
    counts = sprite_bank().sum(axis=(-2, -1))  # (shape, scale, orientation)
    assert (np.diff(counts, axis=1) > 0).all()


def test_square_at_orientation_zero_is_symmetric():
    for square in sprite_bank()[SQUARE, :, 0]:
        assert np.array_equal(square, square[::-1]) and np.array_equal(square, square[:, ::-1])
        assert np.array_equal(square, square.T)


def test_quarter_turns_are_exact():
    bank = sprite_bank()
    for o in range(30):  # orientation o + 10 is o turned by π/2 counter-clockwise
        assert np.array_equal(bank[:, :, o + 10], np.rot90(bank[:, :, o], axes=(-2, -1)))
    for shape in (SQUARE, ELLIPSE, HEART):  # the same on whole images, centre moved along
        assert np.array_equal(
            image(shape, orientation=10, pos_x=7, pos_y=31 - 3),
            np.rot90(image(shape, orientation=0, pos_x=3, pos_y=7)),
        )


def test_orientation_conventions():
    ellipse = image(ELLIPSE)
    rows, cols = np.nonzero(ellipse)
    assert (np.ptp(cols) + 1, np.ptp(rows) + 1) == (23, 11)  # long axis along x at orientation 0
    heart = sprite_bank()[HEART, 5, 0]
    assert np.array_equal(heart, heart[:, ::-1])  # upright heart: mirror-symmetric
    rows, cols = np.nonzero(heart)
    assert cols[rows == rows.max()].tolist() == [16]  # the point at the bottom centre
    rows, cols = np.nonzero(sprite_bank()[HEART, 5, 10])
    assert rows[cols == cols.max()].tolist() == [16]  # turned counter-clockwise: point right


def test_pixel_counts_of_known_images():
    counts = {0: 81, 123_456: 225, 400_000: 131, 654_321: 192, 737_279: 298}
    for index, count in counts.items():
        assert int(D.images(np.array([index])).sum()) == count
    assert sprite_bank().sum(axis=(1, 2, 3, 4)).tolist() == [51_344, 29_488, 42_136]
    assert sprite_bank()[:, :, 0].sum(axis=(-2, -1)).tolist() == [
        [81, 121, 169, 225, 289, 361],
        [51, 75, 97, 131, 171, 205],
        [75, 107, 145, 191, 245, 298],
    ]


def test_loader_draws_distinct_images():
    raw = dsprites(n=500, seed=3)
    data = raw.data
    assert data.x.shape == (500, 1, 64, 64) and data.x.dtype == torch.uint8
    f = data.factors.numpy()
    assert len(np.unique(D.factors_to_index(f))) == 500
    assert np.array_equal(data.y.numpy(), f[:, 0])
    assert np.array_equal(data.x.numpy(), D.render(f))
    assert np.array_equal(dsprites(n=500, seed=3).data.factors.numpy(), f)
    assert isinstance(raw.factor_source, DSprites) and raw.test is None
