"""Squarified treemap layout: each item gets a rectangle whose area is proportional to its
value (market cap), laid out by the squarify algorithm (Bruls, Huizing, van Wijk) so that
rectangles stay close to square and labels have room.

Positions come back in percent of the container's width and height, so one layout serves
every screen width: stretching a rectangle's container scales every area by the same factor
and keeps them proportional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import squarify

# layout in a box of this shape (width / height); the page's container uses the same shape
# on wide screens, where squareness matters most for labels
DEFAULT_ASPECT = 2.0
_HEIGHT = 1000.0


@dataclass(frozen=True, slots=True)
class Cell:
    """One item's rectangle, in percent of the container (x, width of its width; y, height
    of its height)."""

    key: str
    x: float
    y: float
    w: float
    h: float

    @property
    def area(self) -> float:
        """Share of the container's area, in percent."""
        return self.w * self.h / 100.0


def squarified(items: Sequence[tuple[str, float]], aspect: float = DEFAULT_ASPECT) -> list[Cell]:
    """Rectangles for `(key, value)` pairs, largest first; items without a positive value
    get no rectangle (a zero-sized tile says nothing and cannot be clicked)."""
    ranked = sorted(((k, float(v)) for k, v in items if v and v > 0), key=lambda kv: -kv[1])
    if not ranked:
        return []
    width = _HEIGHT * aspect
    sizes = squarify.normalize_sizes([v for _, v in ranked], width, _HEIGHT)
    rects = squarify.squarify(sizes, 0.0, 0.0, width, _HEIGHT)
    return [
        Cell(
            key=key,
            x=100.0 * r["x"] / width,
            y=100.0 * r["y"] / _HEIGHT,
            w=100.0 * r["dx"] / width,
            h=100.0 * r["dy"] / _HEIGHT,
        )
        for (key, _), r in zip(ranked, rects, strict=True)
    ]
