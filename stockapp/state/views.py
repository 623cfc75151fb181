"""Quote -> the compact row of display strings a price cell shows.

A row is one string, "price|change|change%|direction|high|low|volume|stale", about 55 bytes:
Reflex re-sends a whole var when any of it changes, so a tick of 20 rows plus the index
ticker stays under 2 KB. Components read fields with `components.price.field`, Python with
`field` below.

Rendered once per quote and shared by every session (`views_for`, memoised on the market
snapshot). Direction is the snapshot's tick direction of the key's last price change, so
cells can flash up or down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from stockapp import formatting as fmt
from stockapp.market.models import Key, Quote
from stockapp.market.snapshot import MarketSnapshot

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


def _equity_row(q: Quote, tick: int) -> QuoteView:
    return _render(q, _DIRECTION[tick], False)


def _index_row(q: Quote, tick: int) -> QuoteView:
    return _render(q, _DIRECTION[tick], True)


_DIRECTION = {1: "up", -1: "down", 0: ""}


def views_for(snapshot: MarketSnapshot, keys: Iterable[Key]) -> dict[str, QuoteView]:
    """Display rows by key string for the `keys` the snapshot has a quote for.

    Runs per session per tick, so it is only dict look-ups: a row is rendered once per quote
    for the whole process (`MarketSnapshot.per_key`), key strings and kinds once per key."""
    names, renderers, per_key = _key_names, _renderers, snapshot.per_key
    out = {}
    for key in keys:
        name = names.get(key)
        if name is None:
            name = names[key] = key_str(key)
            inst = snapshot.universe.get(*key)
            renderers[key] = _index_row if inst is not None and inst.is_index else _equity_row
        view = per_key(renderers[key], key)
        if view is not None:
            out[name] = view
    return out


_key_names: dict[Key, str] = {}
_renderers: dict[Key, Callable[[Quote, int], QuoteView]] = {}
