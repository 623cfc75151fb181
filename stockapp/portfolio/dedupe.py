"""Duplicate detection for imported trades, by broker trade id or a content fingerprint.

A trade without a broker id gets "fp-" + a hash of symbol, market, side, quantity, price,
time, and how many identical trades precede it in the same batch. Re-importing a file thus
reproduces the same ids (and adds nothing), while two genuinely identical fills in one file
stay two trades.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import replace

from stockapp.portfolio.trades import TradeIn


def fingerprint(trade: TradeIn, occurrence: int = 0) -> str:
    base = "|".join(
        (
            trade.symbol,
            trade.market,
            trade.side,
            str(trade.quantity),
            format(trade.price.normalize(), "f"),
            trade.traded_at.isoformat(),
            str(occurrence),
        )
    )
    return "fp-" + hashlib.sha256(base.encode()).hexdigest()[:20]


def drop_duplicates(
    trades: Iterable[TradeIn], existing_trade_ids: Collection[str] = ()
) -> tuple[list[TradeIn], int]:
    """New trades (each with a trade_id, fingerprinted if it had none) and the number skipped."""
    kept, skipped, _ = drop_duplicates_indexed(trades, existing_trade_ids)
    return kept, skipped


def drop_duplicates_indexed(
    trades: Iterable[TradeIn], existing_trade_ids: Collection[str] = ()
) -> tuple[list[TradeIn], int, list[int]]:
    """As drop_duplicates, plus each kept trade's position in the input, so a later check
    (such as an oversell across the whole book) can name the file row it came from."""
    seen = set(existing_trade_ids)
    occurrences: dict[str, int] = {}
    kept: list[TradeIn] = []
    positions: list[int] = []
    skipped = 0
    for position, trade in enumerate(trades):
        trade_id = trade.trade_id
        if trade_id is None:
            plain = fingerprint(trade)
            occurrence = occurrences.get(plain, 0)
            occurrences[plain] = occurrence + 1
            trade_id = plain if occurrence == 0 else fingerprint(trade, occurrence)
            trade = replace(trade, trade_id=trade_id)
        if trade_id in seen:
            skipped += 1
            continue
        seen.add(trade_id)
        kept.append(trade)
        positions.append(position)
    return kept, skipped, positions
