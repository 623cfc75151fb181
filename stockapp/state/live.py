"""Live quotes for Reflex sessions: the Python-side replacement for a `useWebSocket` hook.

A page's state declares the instruments it shows by calling `live.track(self, keys)` from
its `on_load`. The registry keeps one hub subscription per browser tab (client token) and,
once per tick, pushes that tab's changed quotes into its states with a single
`app.modify_state` (one coalesced update per session per tick). There is no loop per
session: one listener on the hub drives every push, concurrently, so a session whose state
is locked delays nobody else.

Subscriptions follow the page: a tab that loads another page drops the previous page's
instruments (shell states such as the index ticker are kept), and a tab whose socket
disconnects releases everything. A reconnect re-runs `on_load`, which tracks again and
shows the current prices at once.

Each tab watches one hub: the live market's, or the hub of its user's market replay
(`watch`). The registry listens to the live hub always and to a replay hub while any tab
watches it, and a hub's tick pushes only into the tabs watching that hub.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from prometheus_client import Counter, Gauge
from reflex.istate.manager.token import BaseStateToken

from stockapp.market.hub import PriceHub, Subscription
from stockapp.market.models import Key, Quote
from stockapp.market.providers.base import QuoteProvider
from stockapp.market.snapshot import MarketSnapshot
from stockapp.services import market
from stockapp.state import push
from stockapp.state.views import QuoteView, views_for

log = logging.getLogger("stockapp.live")
PUSH_CONCURRENCY = 256
UI_SESSIONS = Gauge("stockapp_ui_sessions", "Browser tabs holding live subscriptions")
UI_PUSHES = Counter("stockapp_ui_pushes_total", "Coalesced live updates pushed into sessions")
UI_PUSH_ERRORS = Counter("stockapp_ui_push_errors_total", "Live pushes that failed")


class LiveMixin(rx.State, mixin=True):
    """Vars and hooks a live page state gets: `quotes` maps key strings to display rows."""

    quotes: dict[str, str] = {}

    def _apply_live(self, snapshot: MarketSnapshot, changed: dict[Key, Quote]) -> None:
        """Called by the registry once per tick with the market snapshot and the quotes of
        this state's instruments that changed; pages may override (format and bind only:
        anything market-wide comes from the snapshot's derived views).

        Reads the current rows unproxied: merging through `self.quotes` would wrap every row
        in a MutableProxy, which was a quarter of the CPU of a push."""
        self.quotes = {**self.get_value("quotes"), **views_for(snapshot, changed)}

    @classmethod
    def _live_view(cls, snapshot: MarketSnapshot, params: Hashable) -> dict[str, Any]:
        """A page whose display vars follow from the snapshot and a few session values alone
        (`live.track(..., shared=params)`) returns them here; the registry computes them once
        per (page, params, snapshot) and sends them to every session showing that view.
        `track(shared=...)` refuses a state that does not define it."""
        raise TypeError(f"{cls.__name__} shows no shared live view")


@dataclass(eq=False)
class LiveSession:
    token: str
    sub: Subscription
    route: str = ""
    entries: dict[type[rx.State], frozenset[Key]] = field(default_factory=dict)
    shell: set[type[rx.State]] = field(default_factory=set)
    pushing: bool = False
    hub: PriceHub | None = None  # the hub `sub` belongs to
    # states whose rows go straight to the socket (see push.py): a state joins after its
    # first push through the state path following each `track`, and leaves on `track`
    direct: set[type[rx.State]] = field(default_factory=set)
    # states held on the state path for now (a page whose rows feed a derived var)
    held: set[type[rx.State]] = field(default_factory=set)
    # states showing a shared view (`LiveMixin._live_view`) with these params
    shared: dict[type[rx.State], Hashable] = field(default_factory=dict)
    # the snapshot each state's display vars were last sent for
    seen: dict[type[rx.State], MarketSnapshot] = field(default_factory=dict)
    # keys of shared views this tab keeps the hub fetching (`LiveRegistry._interest`)
    interest: frozenset[Key] = frozenset()

    def all_keys(self) -> set[Key]:
        """The keys this tab's own subscription follows: a shared view is computed from the
        snapshot every tick, so its keys are held once for all tabs (`_interest`)."""
        out: set[Key] = set()
        for cls, keys in self.entries.items():
            if cls not in self.shared:
                out |= keys
        return out

    def shared_keys(self) -> frozenset[Key]:
        out: set[Key] = set()
        for cls in self.shared:
            out |= self.entries.get(cls, frozenset())
        return frozenset(out)


class LiveRegistry:
    def __init__(self) -> None:
        self.sessions: dict[str, LiveSession] = {}
        self._app: Any = None
        self._hub: PriceHub | None = None
        self._unlisten: Any = None
        # replay hubs some tab watches: (remove the listener, how many tabs watch it)
        self._watched: dict[PriceHub, tuple[Callable[[], None], int]] = {}
        # per hub, one subscription holding the keys of every shared view some tab shows
        # (so the hub keeps fetching them), with how many tabs want each key
        self._interest: dict[PriceHub, tuple[Subscription, collections.Counter[Key]]] = {}
        self._sem = asyncio.Semaphore(PUSH_CONCURRENCY)
        self._encoder = push.FrameEncoder()
        self._views = push.SharedViews(self._encoder)
        self.pushes = 0
        self.push_errors = 0

    # -- lifecycle -----------------------------------------------------------------------
    def attach(self, app: Any, hub: PriceHub) -> None:
        self.detach()
        self._app, self._hub = app, hub
        self._unlisten = hub.add_snapshot_listener(self._on_tick)
        namespace = getattr(app, "event_namespace", None)
        if namespace is not None and not getattr(namespace, "_stockapp_live", False):
            original = namespace.on_disconnect

            def on_disconnect(sid: str):
                token = namespace.sid_to_token.get(sid)
                if token:
                    self.release(token)
                return original(sid)

            namespace.on_disconnect = on_disconnect
            namespace._stockapp_live = True

    def detach(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for token in list(self.sessions):
            self.release(token)
        self._hub = None

    @property
    def subscriber_count(self) -> int:
        return len(self.sessions)

    # -- tracking ------------------------------------------------------------------------
    def track(
        self,
        state: rx.State,
        keys: Iterable[Key],
        *,
        shell: bool = False,
        shared: Hashable | None = None,
    ) -> dict[str, QuoteView]:
        """Declare what `state` shows; returns the current rows to set at once. With `shared`,
        the state's display vars are `type(state)._live_view(snapshot, shared)`."""
        live_hub = self._hub or market.hub()
        token = state.router.session.client_token
        if live_hub is None or not token:
            return {}
        if self._hub is None:
            self._hub = live_hub
        cls = type(state)
        if shared is not None and cls._live_view.__func__ is LiveMixin._live_view.__func__:
            raise TypeError(f"{cls.__name__} tracks a shared view but defines no _live_view")
        keys = frozenset(keys)
        route = state.router.page.path
        session = self._open(token)
        if shell:
            session.shell.add(cls)
        elif route != session.route:
            for other in [c for c in session.entries if c not in session.shell]:
                del session.entries[other]
                session.shared.pop(other, None)
                session.seen.pop(other, None)
            session.route = route
        session.entries[cls] = keys
        session.direct.discard(cls)
        if shared is None:
            session.shared.pop(cls, None)
        else:
            session.shared[cls] = shared
        self._set_keys(session)
        return views_for(self._hub_of(session).snapshot(), keys)

    def hold(self, state: rx.State, held: bool) -> None:
        """Keep `state`'s rows on the state path (`held`), e.g. while the page derives a var
        from them each tick, or let them go straight to the socket again."""
        session = self.sessions.get(state.router.session.client_token)
        if session is None:
            return
        if held:
            session.held.add(type(state))
        else:
            session.held.discard(type(state))

    def untrack(self, state: rx.State) -> None:
        session = self.sessions.get(state.router.session.client_token)
        if session is not None and session.entries.pop(type(state), None) is not None:
            self._set_keys(session)

    def release(self, token: str) -> None:
        session = self.sessions.pop(token, None)
        if session is not None:
            session.sub.close()
            self._hold_interest(session, frozenset())
            self._unwatch(session.hub)
            UI_SESSIONS.set(len(self.sessions))

    def _set_keys(self, session: LiveSession) -> None:
        session.sub.set_keys(session.all_keys())
        self._hold_interest(session, session.shared_keys())

    def _hold_interest(self, session: LiveSession, keys: frozenset[Key]) -> None:
        """Move `session`'s share of the hub's shared-view keys from what it held to `keys`."""
        if keys == session.interest:
            return
        hub = self._hub_of(session)
        sub, counts = self._interest.get(hub, (None, collections.Counter()))
        counts.subtract(session.interest)
        counts.update(keys)
        session.interest = keys
        wanted = {k for k, n in counts.items() if n > 0}
        if not wanted:
            if sub is not None:
                sub.close()
            self._interest.pop(hub, None)
            return
        if sub is None or sub.closed:
            sub = hub.subscribe(label="ui-shared")
        self._interest[hub] = (sub, +counts)
        sub.set_keys(wanted)

    # -- which hub a tab watches ---------------------------------------------------------
    def snapshot(self, state: rx.State) -> MarketSnapshot:
        """The market as `state`'s tab sees it: its replay's snapshot, else the live one."""
        session = self.sessions.get(state.router.session.client_token)
        if session is not None and session.hub is not None and not session.sub.closed:
            return session.hub.snapshot()
        return market.snapshot()

    def provider(self, state: rx.State) -> QuoteProvider | None:
        """Where `state`'s tab reads history from: its replay's provider (bars end at the
        replayed moment), else None for the live market's."""
        session = self.sessions.get(state.router.session.client_token)
        if session is not None and session.hub is not None and not session.sub.closed:
            return session.hub.provider
        return None

    async def watch(self, state: rx.State, hub: PriceHub | None) -> bool:
        """Serve `state`'s tab from `hub` (None: the live market). A tab that changes hubs
        re-subscribes its instruments there and gets that hub's rows at once; returns
        whether the tab moved from another hub."""
        token = state.router.session.client_token
        target = hub or self._hub or market.hub()
        if target is None or not token:
            return False
        session = self.sessions.get(token)
        if session is not None and not session.sub.closed and session.hub is target:
            return False
        moved = session is not None and not session.sub.closed
        carried = (
            (session.entries, session.shell, session.route, session.shared, session.held)
            if session is not None
            else ({}, set(), "", {}, set())
        )
        self.release(token)
        session = self._open(token, target)  # `direct` starts empty: first pushes by state
        session.entries, session.shell, session.route, session.shared, session.held = carried
        self._set_keys(session)
        snap = target.snapshot()
        for cls, keys in session.entries.items():
            shown = state if type(state) is cls else await state.get_state(cls)
            shown._apply_live(snap, {k: q for k in keys if (q := snap.get(k)) is not None})
        return moved

    def _hub_of(self, session: LiveSession) -> PriceHub:
        return session.hub or self._hub  # type: ignore[return-value]

    def _open(self, token: str, hub: PriceHub | None = None) -> LiveSession:
        """The tab's session, opened on `hub` (default the live one) if it has none."""
        session = self.sessions.get(token)
        if session is not None and session.sub.closed:  # its replay hub was stopped
            self.release(token)
            session = None
        if session is None:
            hub = hub or self._hub
            assert hub is not None
            session = LiveSession(token=token, sub=hub.subscribe(label="ui"), hub=hub)
            self.sessions[token] = session
            self._watch(hub)
            UI_SESSIONS.set(len(self.sessions))
        return session

    def _watch(self, hub: PriceHub) -> None:
        if hub is self._hub:
            return  # the live hub is listened to from `attach` on
        unlisten, count = self._watched.get(hub, (None, 0))
        if unlisten is None:

            async def on_tick(snapshot: MarketSnapshot, changed: dict[Key, Quote]) -> None:
                await self._on_tick(snapshot, changed, hub)

            unlisten = hub.add_snapshot_listener(on_tick)
        self._watched[hub] = (unlisten, count + 1)

    def _unwatch(self, hub: PriceHub | None) -> None:
        if hub is None or hub not in self._watched:
            return
        unlisten, count = self._watched.pop(hub)
        if count > 1:
            self._watched[hub] = (unlisten, count - 1)
        else:
            unlisten()

    # -- pushing -------------------------------------------------------------------------
    async def _on_tick(
        self, snapshot: MarketSnapshot, _changed: dict[Key, Quote], hub: PriceHub | None = None
    ) -> None:
        """Rows and shared views are queued on the sockets right here, one frame per session,
        without a task or an await per session; only states on the state path get a task."""
        hub = hub or self._hub
        tasks, pushed = [], 0
        for session in list(self.sessions.values()):
            if session.pushing or self._hub_of(session) is not hub:
                continue  # busy with the last tick (its quotes stay conflated), or elsewhere
            batch = session.sub.get_nowait()
            if not session.entries or not (batch or session.shared):
                continue  # a shared view is sent every tick (an empty fragment if unchanged)
            try:
                via_state, sent = self._push_direct(session, snapshot, batch)
            except Exception:
                self._failed()
                continue
            if via_state:
                session.pushing = True
                tasks.append(self._push(session, snapshot, via_state))
            elif sent:
                pushed += 1
        if pushed:
            self.pushes += pushed
            UI_PUSHES.inc(pushed)
        if tasks:
            await asyncio.gather(*tasks)

    def _push_direct(
        self, session: LiveSession, snapshot: MarketSnapshot, batch: dict[Key, Quote]
    ) -> tuple[list[tuple[type[rx.State], frozenset[Key], dict[Key, Quote]]], bool]:
        """Queue the session's direct frame; returns what must go through the state, and
        whether a frame was queued."""
        fragments, via_state = [], []
        for cls, keys in list(session.entries.items()):
            mine = [k for k in batch if k in keys]
            if not mine and cls not in session.shared:
                continue
            if cls in session.direct and cls not in session.held:
                params = session.shared.get(cls, _ROWS)
                if params is _ROWS:
                    piece = self._encoder.fragment(snapshot, cls, frozenset(mine))
                else:
                    piece = self._views.fragment(snapshot, cls, params, session.seen.get(cls))
                    session.seen[cls] = snapshot
                if piece:
                    fragments.append(piece)
            else:
                via_state.append((cls, keys, {k: batch[k] for k in mine}))
        if fragments:
            push.send_now(self._app, session.token, push.frame(fragments))
        return via_state, bool(fragments)

    async def _push(
        self,
        session: LiveSession,
        snapshot: MarketSnapshot,
        entries: list[tuple[type[rx.State], frozenset[Key], dict[Key, Quote]]],
    ) -> None:
        try:
            await self._push_state(session, snapshot, entries)
            self.pushes += 1
            UI_PUSHES.inc()
        except Exception:
            self._failed()
        finally:
            session.pushing = False

    def _failed(self) -> None:
        self.push_errors += 1
        UI_PUSH_ERRORS.inc()
        log.exception("live push failed for a session")

    async def _push_state(
        self,
        session: LiveSession,
        snapshot: MarketSnapshot,
        entries: list[tuple[type[rx.State], frozenset[Key], dict[Key, Quote]]],
    ) -> None:
        """The state path: `_apply_live` on the loaded state, Reflex computes and sends the
        delta. A state whose rows went straight to the socket so far first gets all its
        current rows (the server-side copy is stale)."""
        async with self._sem:
            token = BaseStateToken(ident=session.token, cls=entries[0][0])
            async with self._app.modify_state(token) as root:
                for cls, keys, mine in entries:
                    state = await root.get_state(cls)
                    if cls in session.direct:
                        session.direct.discard(cls)
                        state.quotes = views_for(snapshot, keys)
                    state._apply_live(snapshot, mine)
        for cls, _keys, _mine in entries:
            session.seen[cls] = snapshot
            direct_ok = _rows_only(cls) or cls in session.shared
            if direct_ok and cls in session.entries and cls not in session.held:
                session.direct.add(cls)


_ROWS = object()  # a state without a shared view: its rows only
_ROWS_DIRECT: set[type] = set()


def rows_direct(cls: type[rx.State]) -> type[rx.State]:
    """Class decorator: this state's `_apply_live` override needs nothing beyond the rows
    unless the page holds it on the state path (`live.hold`), so its rows may go straight
    to the socket."""
    _ROWS_DIRECT.add(cls)
    return cls


def _rows_only(cls: type[rx.State]) -> bool:
    """A state whose `_apply_live` only merges rows can take them straight to the socket."""
    return cls._apply_live is LiveMixin._apply_live or cls in _ROWS_DIRECT


live = LiveRegistry()
