"""Live rows sent straight to a session's socket, without the state round trip.

A page's `quotes` var is display data: the server never reads it back. Pushing it through
`app.modify_state` costs a lock, a state load, a delta resolution and a JSON encoding per
session per tick; here the registry writes the frame itself, in Reflex's own wire format
(the socket.io `event` packet carrying a `StateUpdate` delta), to the session's engine.io
socket.

The frame carries only the rows that changed, as a *patch*: the delta key is the var's key
with `PATCH_SUFFIX` appended (`quotes_rx_state_@merge`). Reflex's frontend replaces a whole
var on a delta, so `components.live_patch.live_patch()` (placed once in the layout) wraps
the frontend's per-substate dispatchers and merges a patch into the current value of the
var before Reflex applies it; unchanged rows keep their identity and do not re-render.

Encoding is shared: each row's JSON (`"KEY":"row"`) is encoded once per snapshot for the
whole process, and a substate's fragment for a given set of changed keys (the index ticker
is the same for every tab) once per snapshot; a session's frame is those fragments joined.

The server-side state does not hold the pushed rows. It stays authoritative for everything a
user edits; the rows it holds are the ones `live.track` returned when the page loaded, and
the registry sends a state's first push after each `track` through the state path so that
the load's own delta can never arrive after (and overwrite) a newer patch.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import orjson
from engineio.packet import MESSAGE, Packet

from stockapp.market.models import Key
from stockapp.market.snapshot import MarketSnapshot
from stockapp.state.views import views_for

FIELD_MARKER = "_rx_state_"
PATCH_SUFFIX = "@merge"
NAMESPACE = "/_event"
QUOTES_PATCH_KEY = f"quotes{FIELD_MARKER}{PATCH_SUFFIX}"
_FRAME_HEAD = '2/_event,["event",{"delta":{'
_FRAME_TAIL = "}}]"


class FrameEncoder:
    """Encoded rows and substate fragments per snapshot, kept for the last few snapshots (a
    tick of the live hub and of replay hubs alternate; each keeps its own cache)."""

    KEEP = 8

    def __init__(self) -> None:
        self._caches: dict[int, tuple[MarketSnapshot, dict, dict]] = {}
        self._names: dict[type, str] = {}
        self.encoded_rows = 0  # rows encoded since start (a measure of the sharing)

    def _cache(self, snapshot: MarketSnapshot) -> tuple[dict, dict]:
        hit = self._caches.get(id(snapshot))
        if hit is None or hit[0] is not snapshot:
            if len(self._caches) >= self.KEEP:
                del self._caches[next(iter(self._caches))]
            hit = self._caches[id(snapshot)] = (snapshot, {}, {})
        return hit[1], hit[2]

    def state_name(self, cls: type) -> str:
        name = self._names.get(cls)
        if name is None:
            name = self._names[cls] = cls.get_full_name()  # type: ignore[attr-defined]
        return name

    def rows(self, snapshot: MarketSnapshot, keys: Iterable[Key]) -> list[str]:
        """`"KEY":"row"` pieces for the keys the snapshot has a row for."""
        cache, out, missing = self._cache(snapshot)[0], [], []
        for key in keys:
            piece = cache.get(key)
            if piece is None:
                missing.append(key)
            else:
                out.append(piece)
        if missing:
            for key in missing:
                found = views_for(snapshot, (key,))
                if not found:
                    continue
                ((name, view),) = found.items()
                piece = cache[key] = orjson.dumps(name).decode() + ":" + orjson.dumps(view).decode()
                self.encoded_rows += 1
                out.append(piece)
        return out

    def fragment(self, snapshot: MarketSnapshot, cls: type, keys: frozenset[Key]) -> str:
        """`"<state>":{"quotes_rx_state_@merge":{...}}` for `keys` ("" when none has a row)."""
        fragments = self._cache(snapshot)[1]
        name = self.state_name(cls)
        memo = (name, keys)
        text = fragments.get(memo)
        if text is None:
            pieces = self.rows(snapshot, sorted(keys))
            text = f'"{name}":{{"{QUOTES_PATCH_KEY}":{{{",".join(pieces)}}}}}' if pieces else ""
            fragments[memo] = text
        return text


def frame(fragments: Iterable[str]) -> str:
    """The socket.io packet (engine.io adds its own message prefix) for a state update."""
    return _FRAME_HEAD + ",".join(f for f in fragments if f) + _FRAME_TAIL


def socket_of(app: Any, token: str) -> str | None:
    """The engine.io session id of the tab `token` when it is connected to this process."""
    namespace = getattr(app, "event_namespace", None)
    sio = getattr(app, "sio", None)
    if namespace is None or sio is None:
        return None
    manager = namespace._token_manager
    record = manager.token_to_socket.get(token)
    if record is None or record.instance_id != manager.instance_id:
        return None
    return sio.manager.eio_sid_from_sid(record.sid, NAMESPACE)


def send_now(app: Any, token: str, text: str) -> bool:
    """Queue `text` on the tab's engine.io socket (its writer task sends it); False when the
    tab has no socket on this process. Synchronous: no task or await per session."""
    eio_sid = socket_of(app, token)
    if eio_sid is None:
        return False
    socket = app.sio.eio.sockets.get(eio_sid)
    if socket is None or socket.closed:
        return False
    socket.queue.put_nowait(Packet(MESSAGE, data=text))
    return True


class _View:
    """One (page, params) view at one snapshot: its values and its encoded fragments."""

    __slots__ = ("delta", "full", "previous", "snapshot", "values")

    def __init__(self, snapshot: MarketSnapshot, values: dict[str, Any], previous: Any) -> None:
        self.snapshot, self.values, self.previous = snapshot, values, previous
        self.delta: str | None = None
        self.full: str | None = None


class SharedViews:
    """Display vars a page derives from the market snapshot and a few session values
    (`params`, e.g. the selected tab) alone: computed and encoded once per (page, params,
    snapshot) and sent to every session showing that view.

    A session that received the view at the previous snapshot gets only what changed since
    (changed vars; for `quotes` the changed rows as a patch, or the whole var when its keys
    changed); any other session (it missed a tick, or just loaded) gets every var."""

    def __init__(self, encoder: FrameEncoder) -> None:
        self._encoder = encoder
        self._views: dict[tuple[type, Hashable], _View] = {}

    def fragment(self, snapshot: MarketSnapshot, cls: Any, params: Hashable, seen: Any) -> str:
        memo = (cls, params)
        view = self._views.get(memo)
        if view is None or view.snapshot is not snapshot:
            before = view
            view = _View(snapshot, cls._live_view(snapshot, params), before)
            self._views[memo] = view
        name = self._encoder.state_name(cls)
        before = view.previous
        if before is not None and seen is before.snapshot:
            if view.delta is None:
                view.delta = _encode_vars(name, _changed(before.values, view.values))
            return view.delta
        if view.full is None:
            view.full = _encode_vars(name, {k: (v, None) for k, v in view.values.items()})
        return view.full

    def forget(self, cls: type) -> None:
        for memo in [m for m in self._views if m[0] is cls]:
            del self._views[memo]


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """var -> (value, None) for a whole value, or (None, patch) for changed rows of a dict
    var whose keys did not change."""
    out: dict[str, tuple[Any, Any]] = {}
    for var, value in new.items():
        prev = old.get(var)
        if prev == value:
            continue
        if isinstance(value, dict) and isinstance(prev, dict) and prev.keys() == value.keys():
            out[var] = (None, {k: v for k, v in value.items() if prev[k] != v})
        else:
            out[var] = (value, None)
    return out


def _encode_vars(name: str, changes: dict[str, tuple[Any, Any]]) -> str:
    if not changes:
        return ""
    body = {}
    for var, (value, patch) in changes.items():
        if patch is None:
            body[var + FIELD_MARKER] = value
        else:
            body[var + FIELD_MARKER + PATCH_SUFFIX] = patch
    return orjson.dumps(name).decode() + ":" + orjson.dumps(body).decode()
