"""Contract lot sizes by expiry, from a dated table of NSE's revisions.

NSE revises lot sizes periodically (SEBI's rule: a contract's value stays within a band);
a revision applies to contracts *expiring* from some date on, while contracts already listed
keep their old lot. So the lot belongs to the contract, and the chain looks it up by expiry:
the latest row for the underlying whose `effective_from` is on or before the expiry.

Underlyings without rows (stocks) use the lot in the bundled reference data
(`data/equities.csv`, `Instrument.lot_size`).

To follow a new circular: add one row per revised underlying with the first expiry the new lot
applies to and the circular's number in `source`; keep the old rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from stockapp.market.models import Instrument
from stockapp.market.options.expiry import BANKNIFTY, FINNIFTY, MIDCPNIFTY, NIFTY, expiries

NIFTYNXT50 = "NIFTY NEXT 50"


@dataclass(frozen=True, slots=True)
class LotSizeRevision:
    symbol: str  # universe symbol of the underlying
    lot_size: int
    effective_from: date  # the first contract expiry the lot applies to
    source: str


# NSE/FAOP/70616 of 3 October 2025, "Revision in market lot of derivative contracts on
# indices" (average closes of September 2025): NIFTY 75 -> 65, BANKNIFTY 35 -> 30, FINNIFTY
# 65 -> 60, MIDCPNIFTY 140 -> 120, NIFTYNXT50 unchanged at 25. Weekly and monthly contracts up
# to the 30 December 2025 expiry kept the old lot; every contract expiring later (quarterly
# and half-yearly ones included, revised at the close of 30 December 2025) has the new one.
_FAOP_70616 = "NSE/FAOP/70616 (3 Oct 2025)"
_AFTER_DEC_2025 = date(2025, 12, 31)
# NSE F&O circular of 28 March 2025 (average closes of March 2025): BANKNIFTY 30 -> 35 and
# MIDCPNIFTY 120 -> 140 from the July 2025 monthly expiry.
_MARCH_2025 = "NSE F&O circular of 28 Mar 2025"
_JULY_2025 = date(2025, 7, 1)
# NSE F&O circular of 18 October 2024 (SEBI's minimum contract value of Rs 15 lakh): the lots
# in force for new contracts from 20 November 2024.
_OCT_2024 = "NSE F&O circular of 18 Oct 2024"
_NOV_2024 = date(2024, 11, 20)

LOT_SIZE_REVISIONS: tuple[LotSizeRevision, ...] = (
    LotSizeRevision(NIFTY, 75, _NOV_2024, _OCT_2024),
    LotSizeRevision(BANKNIFTY, 30, _NOV_2024, _OCT_2024),
    LotSizeRevision(FINNIFTY, 65, _NOV_2024, _OCT_2024),
    LotSizeRevision(MIDCPNIFTY, 120, _NOV_2024, _OCT_2024),
    LotSizeRevision(NIFTYNXT50, 25, _NOV_2024, _OCT_2024),
    LotSizeRevision(BANKNIFTY, 35, _JULY_2025, _MARCH_2025),
    LotSizeRevision(MIDCPNIFTY, 140, _JULY_2025, _MARCH_2025),
    LotSizeRevision(NIFTY, 65, _AFTER_DEC_2025, _FAOP_70616),
    LotSizeRevision(BANKNIFTY, 30, _AFTER_DEC_2025, _FAOP_70616),
    LotSizeRevision(FINNIFTY, 60, _AFTER_DEC_2025, _FAOP_70616),
    LotSizeRevision(MIDCPNIFTY, 120, _AFTER_DEC_2025, _FAOP_70616),
)


def lot_revision(symbol: str, expiry: date) -> LotSizeRevision | None:
    """The table row that sets the lot of `symbol`'s contract expiring on `expiry`."""
    rows = [r for r in LOT_SIZE_REVISIONS if r.symbol == symbol and r.effective_from <= expiry]
    return max(rows, key=lambda r: r.effective_from, default=None)


def lot_size_for(underlying: Instrument, expiry: date) -> int:
    """Lot size of `underlying`'s contract expiring on `expiry`."""
    row = lot_revision(underlying.symbol, expiry)
    return row.lot_size if row is not None else underlying.lot_size


def current_lot_size(underlying: Instrument, now: datetime) -> int:
    """The lot of `underlying`'s nearest listed contract at `now` (what a trader gets today)."""
    listed = expiries(underlying.symbol, now, underlying.kind)
    return lot_size_for(underlying, listed[0]) if listed else underlying.lot_size
