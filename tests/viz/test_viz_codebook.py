"""The codebook-usage histogram shows the used codes however few there are."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vaekit.viz import save_codebook_usage
from vaekit.viz.codebook import codebook_usage_figure

BLUE = np.array([31, 119, 180])  # matplotlib's tab:blue, the colour of the used codes


def blue_pixels(path) -> int:
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    return int((np.abs(rgb - BLUE).sum(-1) < 60).sum())


@pytest.mark.parametrize("used", [2, 400])
def test_used_codes_are_drawn_however_few(tmp_path, used):
    counts = np.zeros((1, 512))
    counts[0, :used] = np.linspace(9800, 8200, used).round()  # 2 of 512: issue 12's blank plot
    path = save_codebook_usage(counts, tmp_path / "u.png", title="test: ")
    assert blue_pixels(path) > 50


def test_one_panel_per_stage_titled_with_usage_perplexity_and_entropy():
    counts = np.zeros((2, 16))
    counts[0, :4] = 5  # 4 of 16 codes, evenly: perplexity 4, 2 bits
    counts[1] = 1
    titles = [ax.get_title() for ax in codebook_usage_figure(counts).axes]
    assert titles == [
        "stage 1: 4/16 codes used (25.0%)\nperplexity/K 0.250, entropy 2.00 of 4.00 bits",
        "stage 2: 16/16 codes used (100.0%)\nperplexity/K 1.000, entropy 4.00 of 4.00 bits",
    ]
