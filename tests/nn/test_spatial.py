"""Shape arithmetic of the convolutional networks."""

import pytest
import torch

from vaekit.nn.spatial import halvings, square_image, up_conv


def test_halvings():
    assert halvings(28) == [28, 14, 7, 4]
    assert halvings(64) == [64, 32, 16, 8, 4]
    assert halvings(8) == [8, 4]
    assert halvings(28, 2) == [28, 14, 7]
    assert halvings(5, 0) == [5]


@pytest.mark.parametrize("size_in, size_out", [(4, 7), (7, 14), (2, 4), (4, 8)])
def test_up_conv_reaches_the_size(size_in, size_out):
    out = up_conv(3, 2, size_in, size_out)(torch.zeros(1, 3, size_in, size_in))
    assert out.shape == (1, 2, size_out, size_out)


def test_shape_errors():
    with pytest.raises(ValueError, match="cannot upsample 4 to 9"):
        up_conv(1, 1, 4, 9)
    with pytest.raises(
        ValueError, match=r"conv needs square \(C, H, W\) inputs, got shape \(1, 8, 9\)"
    ):
        square_image((1, 8, 9), "conv")
    assert square_image((3, 8, 8), "conv") == (3, 8)
