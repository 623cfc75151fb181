"""Quote -> the compact row of display strings a price cell shows.

A row is one string, "price|change|change%|direction|high|low|volume|stale", about 55 bytes:
Reflex re-sends a whole var when any of it changes, so a tick of 20 rows plus the index
ticker stays under 2 KB. Components read fields with `components.price.field`, Python with
`field` below.

Computed once per quote per tick and shared by every session (quotes are new objects each
tick, so identity tells a fresh quote from a cached one). Direction compares with the
previous quote of the same key, so cells can flash up or down.
"""

from __future__ import annotations

from stockapp import formatting as fmt
from stockapp.market.models import Key, Quote

QuoteView = str
FIELDS = (
    "p",
    "c",
    "cp",
    "d",
    "h",
    "l",
    "v",
    "x",
)  # price, change, %, up/down, high, low, vol, stale
SEP = "|"


def field(view: QuoteView, name: str) -> str:
    """One field of a row ("" for a missing row)."""
    if not view:
        return ""
    return view.split(SEP)[FIELDS.index(name)]


def key_str(key: Key) -> str:
    symbol, market = key
    return symbol if market == "india_nse" else f"{symbol}@BSE"


def parse_key_str(text: str) -> Key:
    if text.endswith("@BSE"):
        return (text[:-4], "india_bse")
    return (text, "india_nse")


def _render(q: Quote, direction: str, is_index: bool) -> QuoteView:
    """Only what moves tick to tick. The rupee sign and slow-moving facts (52-week range,
    previous close) are rendered separately."""
    return SEP.join(
        (
            fmt.number(q.current_price),
            fmt.signed(q.change),
            fmt.pct(q.change_percent),
            direction,  # up | down | "" (unchanged since the last tick)
            fmt.number(q.high),
            fmt.number(q.low),
            fmt.compact(q.volume) if not is_index else "",
            "1" if q.stale else "",
        )
    )


def facts_view(q: Quote) -> dict[str, str]:
    """Slow-moving fields, sent once when a page loads."""
    return {
        "o": fmt.number(q.open),
        "pc": fmt.number(q.prev_close),
        "hi52": fmt.number(q.week52_high),
        "lo52": fmt.number(q.week52_low),
    }


class ViewCache:
    def __init__(self) -> None:
        self._views: dict[Key, tuple[Quote, QuoteView]] = {}

    def view(self, q: Quote, is_index: bool = False) -> QuoteView:
        hit = self._views.get(q.key)
        if hit is not None and hit[0] is q:
            return hit[1]
        direction = ""
        if hit is not None:
            prev = hit[0].current_price
            direction = (
                "up" if q.current_price > prev else ("down" if q.current_price < prev else "")
            )
        view = _render(q, direction, is_index)
        self._views[q.key] = (q, view)
        return view


view_cache = ViewCache()
