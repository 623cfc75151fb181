"""Live rows straight to the socket (stockapp/state/push.py) and the registry's choice of
path: the first push after `track` goes through the state (so a page load's delta can never
overwrite a newer patch), later ones are patches of the changed rows written to the
session's engine.io socket; a held state, or one whose override derives more, stays on the
state path; shared views are computed once per (page, params, snapshot)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from types import SimpleNamespace

from stockapp.market.models import Quote
from stockapp.market.snapshot import MarketSnapshot
from stockapp.state import push
from stockapp.state.live import LiveMixin, LiveRegistry
from stockapp.state.views import views_for
from tests.unit.test_live_registry import RELIANCE, TCS, FakeApp, FakeState, hub  # noqa: F401

T = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def quote(symbol: str, price: float, volume: int = 1000) -> Quote:
    return Quote(symbol, "india_nse", price, 100, 2000, 50, 99, volume, T)


class RowsPage(FakeState):
    """A page whose `_apply_live` is the mixin's own: its rows may go straight out."""

    _apply_live = LiveMixin._apply_live

    @classmethod
    def get_full_name(cls) -> str:
        return "root.rows_page"

    def get_value(self, name):
        return getattr(self, name)


class DerivingPage(FakeState):
    @classmethod
    def get_full_name(cls) -> str:
        return "root.deriving_page"


class SharedPage(FakeState):
    calls = 0

    @classmethod
    def get_full_name(cls) -> str:
        return "root.shared_page"

    @classmethod
    def _live_view(cls, snapshot, params):
        cls.calls += 1
        return {"top": params, "quotes": views_for(snapshot, snapshot.quotes)}

    def _apply_live(self, snapshot, changed):
        for var, value in self._live_view(snapshot, "p").items():
            setattr(self, var, value)


class SocketApp(FakeApp):
    """FakeApp plus Reflex's token -> socket records and engine.io sockets whose queues
    keep what each was sent."""

    def __init__(self) -> None:
        super().__init__()
        manager = SimpleNamespace(token_to_socket={}, instance_id="me")
        self.event_namespace = SimpleNamespace(
            _token_manager=manager, sid_to_token={}, on_disconnect=lambda sid: None
        )
        self.sio = SimpleNamespace(
            eio=SimpleNamespace(sockets={}),
            manager=SimpleNamespace(eio_sid_from_sid=lambda sid, ns: "eio-" + sid),
        )

    def connect(self, token: str) -> None:
        record = SimpleNamespace(sid="sid-" + token, instance_id="me")
        self.event_namespace._token_manager.token_to_socket[token] = record
        socket = SimpleNamespace(closed=False, queue=asyncio.Queue(), sent=[])
        self.sio.eio.sockets["eio-sid-" + token] = socket

    def frames(self, token: str) -> list[dict]:
        socket = self.sio.eio.sockets["eio-sid-" + token]
        while not socket.queue.empty():  # what engine.io's writer would send
            socket.sent.append(socket.queue.get_nowait().encode())
        out = []
        for text in socket.sent:
            assert text.startswith("4"), "an engine.io message packet"
            text = text[1:]
            assert text.startswith('2/_event,["event",')
            out.append(json.loads(text[len("2/_event,") :])[1]["delta"])
        return out


def test_rows_are_encoded_once_per_snapshot_and_patched_by_key():
    enc = push.FrameEncoder()
    snap = MarketSnapshot(1, {RELIANCE: quote("RELIANCE", 1234.5), TCS: quote("TCS", 3210)})
    first = enc.fragment(snap, RowsPage, frozenset({RELIANCE, TCS}))
    again = enc.fragment(snap, RowsPage, frozenset({TCS}))
    assert enc.encoded_rows == 2, "each row encoded once for the snapshot, whatever the sets"
    body = json.loads("{" + first + "}")
    rows = body["root.rows_page"]["quotes_rx_state_@merge"]
    assert rows == views_for(snap, [RELIANCE, TCS])
    assert set(json.loads("{" + again + "}")["root.rows_page"][push.QUOTES_PATCH_KEY]) == {"TCS"}
    newer = MarketSnapshot(2, {RELIANCE: quote("RELIANCE", 1240.0)}, previous=snap)
    row = json.loads("{" + enc.fragment(newer, RowsPage, frozenset({RELIANCE})) + "}")
    assert row["root.rows_page"][push.QUOTES_PATCH_KEY]["RELIANCE"].startswith("1,240.00|")


def test_shared_view_sends_only_changes_to_sessions_that_saw_the_previous_one():
    views = push.SharedViews(push.FrameEncoder())
    s1 = MarketSnapshot(1, {RELIANCE: quote("RELIANCE", 10), TCS: quote("TCS", 20)})
    s2 = MarketSnapshot(2, {RELIANCE: quote("RELIANCE", 11), TCS: quote("TCS", 20)}, previous=s1)
    SharedPage.calls = 0
    full1 = json.loads("{" + views.fragment(s1, SharedPage, "p", None) + "}")["root.shared_page"]
    assert set(full1) == {"top_rx_state_", "quotes_rx_state_"}
    delta = json.loads("{" + views.fragment(s2, SharedPage, "p", s1) + "}")["root.shared_page"]
    assert delta == {"quotes_rx_state_@merge": {"RELIANCE": views_for(s2, [RELIANCE])["RELIANCE"]}}
    late = json.loads("{" + views.fragment(s2, SharedPage, "p", None) + "}")["root.shared_page"]
    assert set(late) == {"top_rx_state_", "quotes_rx_state_"}, "a session that missed one: all"
    assert SharedPage.calls == 2, "one computation per (page, params, snapshot)"


async def test_first_push_through_the_state_then_patches_to_the_socket(hub, monkeypatch):  # noqa: F811
    monkeypatch.setattr(
        "stockapp.state.live.BaseStateToken", lambda ident, cls: SimpleNamespace(ident=ident)
    )
    reg, app = LiveRegistry(), SocketApp()
    reg.attach(app, hub)
    rows, deriving = RowsPage("t1", "/a"), DerivingPage("t1", "/a")
    app.states["t1"] = {RowsPage: rows, DerivingPage: deriving}
    app.connect("t1")
    rows.quotes = reg.track(rows, [RELIANCE, TCS])
    reg.track(deriving, [TCS])
    for _ in range(200):
        if len(app.frames("t1")) >= 3:
            break
        await asyncio.sleep(0.05)
    frames = app.frames("t1")
    assert len(frames) >= 3, "rows went straight to the socket after the first push"
    assert app.modifications >= 1
    for delta in frames:
        assert set(delta) == {"root.rows_page"}, "the deriving page never goes direct"
        assert set(delta["root.rows_page"]) == {push.QUOTES_PATCH_KEY}
    assert len(deriving.applied) >= len(frames), "the deriving page got every tick by state"
    before = app.modifications
    reg.hold(rows, True)  # e.g. the watchlist sorted by a live column
    n = len(app.frames("t1"))
    await asyncio.sleep(0.5)
    assert len(app.frames("t1")) <= n + 1 and app.modifications > before
    assert RowsPage not in reg.sessions["t1"].direct, "held: by state, all rows resent"
    assert set(rows.quotes) == {"RELIANCE", "TCS"}
    reg.track(rows, [RELIANCE])  # a reload or an edit: the next push goes by state again
    assert RowsPage not in reg.sessions["t1"].direct
    reg.detach()
