"""The dSprites sprite bank: each (shape, scale, orientation) drawn once, centred.

A sprite is a 33×33 binary patch whose centre pixel (16, 16) is the shape's
centre. A pixel is on when its centre lies inside the shape (no anti-aliasing):
the pixel's offset from the centre, in pixels with *y pointing up*, is rotated
by ``-orientation`` (so shapes turn counter-clockwise as displayed) and divided
by ``scale × size`` to get coordinates in the shape's unit frame, where:

* square: ``max(|u|, |v|) <= 1``; size 9.5 px (half the side);
* ellipse: ``u² + (2v)² <= 1`` (axes in ratio 2:1, long axis along x at
  orientation 0); size 11.5 px (the semi-major axis);
* heart: ``(u² + w² - 1)³ - u² w³ <= 0`` with ``w = v + 0.118``, the classic
  implicit heart shifted so its bounding box (x in ±1.139, y in [-1, 1.236]) is
  centred; size 9 px per unit; point down at orientation 0.

Cosines and sines are rounded to 12 decimals, so quarter turns are exact: the
sprite at orientation π/2 is exactly ``np.rot90`` of the sprite at 0. At scale
1 every sprite lies within 14 px of its centre, so none touches the patch edge.
"""

from __future__ import annotations

from functools import cache

import numpy as np

SHAPES = ("square", "ellipse", "heart")
SCALES = np.linspace(0.5, 1.0, 6)
ORIENTATIONS = np.linspace(0.0, 2 * np.pi, 40, endpoint=False)
HALF = 16  # a sprite is (2 * HALF + 1) pixels square
_SIZES = (9.5, 11.5, 9.0)  # pixels per unit of each shape's frame, at scale 1
_HEART_SHIFT = 0.118


def _inside(shape: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether points ``(u, v)`` of the unit frame lie inside ``SHAPES[shape]``."""
    if shape == 0:
        return np.maximum(np.abs(u), np.abs(v)) <= 1.0
    if shape == 1:
        return u**2 + (2.0 * v) ** 2 <= 1.0
    w = v + _HEART_SHIFT
    return (u**2 + w**2 - 1.0) ** 3 - u**2 * w**3 <= 0.0


@cache
def sprite_bank() -> np.ndarray:
    """Every sprite, ``(3, 6, 40, 33, 33)`` uint8 0/1, indexed by shape, scale, orientation.

    Computed once per process (about 30 ms), then shared; treat it as read-only.
    """
    offsets = np.arange(-HALF, HALF + 1, dtype=np.float64)
    dx = offsets[None, :]  # columns, left to right
    dy = -offsets[:, None]  # rows, so that y points up
    cos = np.round(np.cos(ORIENTATIONS), 12)[:, None, None]
    sin = np.round(np.sin(ORIENTATIONS), 12)[:, None, None]
    u = cos * dx + sin * dy  # (40, 33, 33): the pixel rotated by -orientation
    v = cos * dy - sin * dx
    bank = np.empty((len(SHAPES), len(SCALES), len(ORIENTATIONS), 2 * HALF + 1, 2 * HALF + 1))
    for shape, size in enumerate(_SIZES):
        for k, scale in enumerate(SCALES):
            bank[shape, k] = _inside(shape, u / (scale * size), v / (scale * size))
    bank = bank.astype(np.uint8)
    bank.flags.writeable = False
    return bank
