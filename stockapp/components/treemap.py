"""One treemap component for every heat map (Sectors, Recommendations).

Rectangles come from the squarified layout (`stockapp.market.treemap`), placed absolutely in
percent of the box, so area stays proportional to value at any screen width. Tiles carry a
solid colour for the day's change with white text at 4.5:1 or better; labels wrap at spaces
and hide, by CSS container queries on each tile's real size, when they would not fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import reflex as rx

from stockapp.market.treemap import squarified

FULL_AT_PCT = 3.0  # a move this large or larger gets the full colour
NEUTRAL_RGB = (104, 104, 104)
UP_RGB = (21, 122, 58)
DOWN_RGB = (190, 30, 30)
# the box's shape on a wide screen (about 1200 x 360 px) and on a phone (about 370 x 420 px):
# each gets its own layout, so tiles stay near square on both
WIDE_ASPECT = 3.2
PHONE_ASPECT = 0.9
# label-width classes tm-w1..tm-w16: a tile narrower than PADDING_PX + n * STEP_PX hides the
# name of class tm-wn (the `@container` rules in assets/styles.css say the same numbers)
STEP_PX = 12
WIDTH_STEPS = 16
NAME_FONT_PX = 12
# advance widths in em of a wide bold sans (DejaVu Sans Bold, the Linux fallback, is among the
# widest), rounded up so a label the class lets through always fits
_NARROW = set("IJijlft.,'!|:;()[]- ")
_WIDE = set("MWmw@%")


def heat_colour(change_pct: float, full_at: float = FULL_AT_PCT) -> str:
    """Tile background for a % change: slate at 0, deepening to green (up) or red (down).
    Every shade keeps white text at 4.5:1 or better (tests/unit/test_treemap_colours.py)."""
    weight = min(abs(change_pct) / full_at, 1.0) if full_at > 0 else 1.0
    target = UP_RGB if change_pct > 0 else DOWN_RGB
    r, g, b = (round(n + (t - n) * weight) for n, t in zip(NEUTRAL_RGB, target, strict=True))
    return f"rgb({r}, {g}, {b})"


def _em_width(word: str) -> float:
    def em(ch: str) -> float:
        if ch in _NARROW:
            return 0.45
        if ch in _WIDE:
            return 1.12
        if ch.isupper() or ch == "&":
            return 0.84
        return 0.73  # lower case, digits, other signs

    return sum(em(ch) for ch in word)


def label_fit(label: str) -> str:
    """A class saying how wide a tile must be for its name's longest word, from the width of
    its letters in the name's bold 12 px font: the stylesheet hides the name in tiles narrower
    than that (`@container` rules in assets/styles.css)."""
    longest = max((_em_width(w) for w in label.split()), default=0.0)
    steps = math.ceil(longest * NAME_FONT_PX / STEP_PX)
    return f"tm-w{min(max(steps, 1), WIDTH_STEPS)}"


def tile_layouts(items: list[tuple[str, float]], labels: dict[str, str]) -> dict[str, dict]:
    """Where each keyed item's tile sits (CSS percentages, wide screen and phone) and how wide
    its label is; items without a positive value get no tile."""
    wide = squarified(items, aspect=WIDE_ASPECT)
    phone = {c.key: c for c in squarified(items, aspect=PHONE_ASPECT)}
    return {
        c.key: {
            "x": f"{c.x:.3f}%",
            "y": f"{c.y:.3f}%",
            "w": f"{c.w:.3f}%",
            "h": f"{c.h:.3f}%",
            "px": f"{phone[c.key].x:.3f}%",
            "py": f"{phone[c.key].y:.3f}%",
            "pw": f"{phone[c.key].w:.3f}%",
            "ph": f"{phone[c.key].h:.3f}%",
            "fit": label_fit(labels.get(c.key, c.key)),
        }
        for c in wide
    }


def treemap(
    tiles: rx.Var,
    tile: Callable[[rx.Var], rx.Component],
    *,
    id: str,
    label: str,
) -> rx.Component:
    """`tiles` carry the fields of `tile_layouts` (placement and label fit); `tile(t)`
    renders the tile's focusable element (a button or a link with class `tm-tile`)."""
    return rx.box(
        rx.foreach(
            tiles,
            lambda t: rx.box(
                tile(t),
                class_name="tm-cell " + t["fit"],
                style={
                    "--x": t["x"],
                    "--y": t["y"],
                    "--w": t["w"],
                    "--h": t["h"],
                    "--px": t["px"],
                    "--py": t["py"],
                    "--pw": t["pw"],
                    "--ph": t["ph"],
                },
            ),
        ),
        class_name="treemap",
        role="group",
        aria_label=label,
        id=id,
    )


def tile_text(label: rx.Var | str, name: rx.Var | str, *lines: rx.Var | str) -> list[rx.Component]:
    """The tile's accessible name (`label`, for screen readers, kept when the tile is too small
    to show words), then what sighted users see: the name (bold, wraps at spaces) and the lines
    under it, which hide first. The visible text is hidden from screen readers, so a label
    that says more than a clipped tile shows never contradicts it."""
    return [
        rx.el.span(label, class_name="visually-hidden"),
        rx.el.span(name, class_name="tm-name", aria_hidden="true"),
        *[
            rx.el.span(
                line, class_name="tm-sub num" + (" tm-extra" if i else ""), aria_hidden="true"
            )
            for i, line in enumerate(lines)
        ],
    ]
