"""The shell's market-replay control: start a past session, then a clock with pause/resume,
seek, speed and stop.

The replay row is the authority: every handler looks up the logged-in user's active replay
again (never an id the browser sent), changes it in the database and shows what it stored,
so a reload, another tab or the REST API all see the same clock. While the replay runs the
tab watches its hub (`live.watch`), and the clock's label follows the replay's ticks: this
state tracks the index ticker's instruments and refreshes the label when they move.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from stockapp.market.models import Key
from stockapp.services import replay as replays
from stockapp.state.auth import current_user_id
from stockapp.state.live import LiveMixin, live

SPEED_CHOICES = [str(s) for s in replays.SPEEDS]


class ReplayState(LiveMixin, rx.State):
    active: bool = False
    label: str = ""
    status: str = ""  # running | paused | finished
    speed: str = "10"
    shown_time: str = ""  # HH:MM IST, the seek box's starting value
    session_start: str = "09:15"
    session_end: str = "15:30"
    days: list[str] = []
    error: str = ""
    _data: replays.ReplayData | None = None
    _keys: tuple[Key, ...] = ()

    async def _follow(self, user_id: int | None, keys: list[Key] | None = None) -> None:
        """Show the user's active replay (or none) and serve this tab from its hub."""
        if keys is not None:
            self._keys = tuple(keys)
        data = await replays.active(user_id)
        await live.watch(self, await replays.hub_of(data))
        self._show(data)
        if data is not None:
            live.track(self, self._keys, shell=True)  # its ticks move the clock
        else:
            live.untrack(self)

    def _show(self, data: replays.ReplayData | None) -> None:
        self._data = data
        self.active = data is not None
        if data is None:
            self.label = self.status = ""
            return
        now = replays.shown(data)
        self.label, self.status = now.label, now.status
        self.speed = str(data.clock.speed)
        self.shown_time = f"{now.local:%H:%M}"
        self.session_start, self.session_end = replays.session_hours(data)

    def _apply_live(self, snapshot, changed) -> None:
        """The replay moved: refresh the clock (by the newest clock this worker has, so a
        speed change made in another tab shows here too)."""
        if self._data is not None:
            data = replays.current(self._data)
            now = replays.shown(data)
            if now.label != self.label:
                self.label, self.status = now.label, now.status
                self.speed = str(data.clock.speed)

    async def _user(self) -> int | None:
        uid = await current_user_id(self)
        if uid is None:
            self._show(None)
        return uid

    async def _after(self, uid: int, change) -> None:
        """Run a change of the user's replay; show the refusal, or the clock it stored."""
        self.error = ""
        try:
            data = await change
        except replays.ReplayFailed as exc:
            self.error = str(exc)
            return
        if data is None:  # stopped elsewhere meanwhile
            await self._follow(uid)
        else:
            self._show(data)

    @rx.event
    async def load_days(self, open_: bool = True):
        if open_ and not self.days:
            self.days = [d.isoformat() for d in await replays.replay_days()]

    @rx.event
    async def start(self, form: dict):
        uid = await self._user()
        if uid is None:
            return
        self.error = ""
        try:
            day = date.fromisoformat(str(form.get("day", "")))
            speed = int(str(form.get("speed", "10")))
            await replays.start(uid, day, speed)
        except ValueError as exc:
            self.error = (
                str(exc) if isinstance(exc, replays.ReplayError) else "Pick a session and a speed"
            )
            return
        except replays.ReplayFailed as exc:
            self.error = str(exc)
            return
        await self._follow(uid)

    @rx.event
    async def toggle_pause(self):
        if (uid := await self._user()) is not None:
            await self._after(uid, replays.toggle_pause(uid))

    @rx.event
    async def set_speed(self, value: str):
        if (uid := await self._user()) is not None and value in SPEED_CHOICES:
            await self._after(uid, replays.set_speed(uid, int(value)))

    @rx.event
    async def seek(self, form: dict):
        if (uid := await self._user()) is not None:
            await self._after(uid, replays.seek(uid, str(form.get("time", ""))[:8]))

    @rx.event
    async def stop(self):
        if (uid := await self._user()) is not None:
            await replays.stop(uid)
            await self._follow(uid)
