"""The simulated NSE/BSE market: session hours, daily history, the intraday minute engine.

`LiveMarket` moves prices during a session, `HistoryArchive` serves bars of past sessions and
`SessionModel` says when the simulated exchange is open.
"""

from stockapp.market.sim.archive import HistoryArchive
from stockapp.market.sim.market import LiveMarket
from stockapp.market.sim.session import (
    ALWAYS_OPEN_NOTE,
    Hours,
    SessionModel,
    check_interval_range,
    from_ms,
    time_note,
    to_ms,
)

__all__ = [
    "ALWAYS_OPEN_NOTE",
    "HistoryArchive",
    "Hours",
    "LiveMarket",
    "SessionModel",
    "check_interval_range",
    "from_ms",
    "time_note",
    "to_ms",
]
