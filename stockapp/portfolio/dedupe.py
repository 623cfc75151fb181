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
    seen = set(existing_trade_ids)
    occurrences: dict[str, int] = {}
    kept: list[TradeIn] = []
    skipped = 0
    for trade in trades:
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
    return kept, skipped
