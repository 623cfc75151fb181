"""Times shown to people are Indian Standard Time, like the rest of the app."""

from __future__ import annotations

from stockapp.formatting import ist_time


def test_ist_time_converts_utc_instants() -> None:
    assert ist_time("2026-12-02T09:15:03.120Z") == "2026-12-02 14:45:03 IST"
    assert ist_time("2026-12-02T20:00:00+00:00") == "2026-12-03 01:30:00 IST"
    assert ist_time("2026-12-02T09:15:03") == "2026-12-02 14:45:03 IST"  # naive means UTC
