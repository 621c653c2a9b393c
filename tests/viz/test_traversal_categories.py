"""Traversals of categorical latents held as one-hot blocks of z (JointVAE)."""

import torch

from vaekit.viz.traversals import category_codes, most_likely_blocks


def test_most_likely_blocks_become_one_hot():
    z = torch.tensor([0.5, -1.0, 0.2, 0.7, 0.1, 0.6, 0.4])
    out = most_likely_blocks(z, 2, [3, 2])
    assert torch.equal(out, torch.tensor([0.5, -1.0, 0.0, 1.0, 0.0, 1.0, 0.0]))


def test_each_row_sets_one_block_to_each_category():
    z = torch.tensor([0.5, 0.0, 1.0, 0.0, 1.0, 0.0])  # one Gaussian, blocks of 3 and 2
    codes, real = category_codes(z, 1, [3, 2])
    codes = codes.view(2, 3, 6)
    assert torch.equal(codes[0, :, 1:4], torch.eye(3))
    assert torch.equal(codes[0, :, 4:], z[4:].expand(3, 2))  # the other block is kept
    assert torch.equal(codes[1, :, 4:], torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))
    assert torch.equal(codes[1, :, :4], z[:4].expand(3, 4))
    assert (codes[..., 0] == 0.5).all()
    assert real.tolist() == [True, True, True, True, True, False]
