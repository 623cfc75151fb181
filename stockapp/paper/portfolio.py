"""The paper book: fills become trades for the same FIFO, valuation and XIRR code as the
real portfolio (stockapp/portfolio), kept apart from the user's real trades.

Each fill's charges are the trade's fees, so a buy's charges raise its cost and a sell's
lower its proceeds: realized P&L is what the contract notes add up to.
"""

from __future__ import annotations

from collections.abc import Iterable

from stockapp.market.models import Key
from stockapp.paper.store import FillData
from stockapp.portfolio import Position, Trade, holdings_from_trades
from stockapp.records import carry


def paper_trades(fills: Iterable[FillData]) -> list[Trade]:
    return [
        carry(
            Trade,
            f,
            fees=f.charges,
            traded_at=f.filled_at,
            note=f"paper order {f.order_id} ({f.product})",
            trade_id=f"paper-{f.order_id}",
        )
        for f in fills
    ]


def paper_positions(fills: Iterable[FillData]) -> dict[Key, Position]:
    return holdings_from_trades(paper_trades(fills))
