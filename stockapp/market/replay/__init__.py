"""Market replay: a past session run through a hub at 1x to 60x, per user.

`ReplayClock` maps wall time to session time, `SessionMinutes` turns minute bars back into
quotes, and `ReplayProvider` lets an ordinary `PriceHub` poll a replay like a live feed.
"""

from stockapp.market.replay.clock import SPEEDS, ReplayClock, ReplayError
from stockapp.market.replay.provider import ReplayProvider
from stockapp.market.replay.sources import ArchiveSource, MinuteSource, ProviderBarsSource
from stockapp.market.replay.tape import SessionMinutes

__all__ = [
    "SPEEDS",
    "ArchiveSource",
    "MinuteSource",
    "ProviderBarsSource",
    "ReplayClock",
    "ReplayError",
    "ReplayProvider",
    "SessionMinutes",
]
