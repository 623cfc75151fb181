"""Toasts for fired alerts, pushed at once into every open tab of the alert's owner.

Each page load registers its tab (client token) under the logged-in user (see
`ShellState.load`). When the engine records a firing, every tab of that user gets its
`ToastState.last` set through `app.modify_state`, which sends the delta down that tab's
socket at once: no polling and no loop per session. A hook compiled into every page
(`alert_toasts()`, placed by the page layout) shows a sonner toast when that var changes.
A state var rather than a server-sent `rx.toast` event, because such events are strings the
browser must `eval`, which the app's Content-Security-Policy forbids.

Before pushing, the tab's own auth state is checked again under the state lock, so a tab
that has since logged out, or logged in as someone else, never sees another user's toast.
Pages may register a hook that updates their state in the same push (the Alerts page
reloads its tables).

With several workers the engine runs on the hub leader only, while a user's tabs may be held
by any worker: each firing is broadcast through the hub backend (Redis pub/sub), and every
worker pushes it to the tabs it holds.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import reflex as rx
from reflex.istate.manager.token import BaseStateToken
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import Var, VarData
from reflex_components_core.base.fragment import Fragment
from reflex_components_sonner.toast import toast_ref

from stockapp.services import alerts
from stockapp.services.alerts import EventData
from stockapp.state.auth import AuthState, current_user_id

log = logging.getLogger("stockapp.toasts")

PushHook = Callable[[rx.State, EventData], Awaitable[None]]
TOAST_MS = 8000
FRESH_MS = 30_000
PRUNE_AT = 5000

_tabs_by_user: dict[int, set[str]] = {}
_user_by_tab: dict[str, int] = {}
_hooks: list[PushHook] = []
_app: Any = None


async def register(state: rx.State) -> None:
    """Remember which user this tab belongs to now (cheap: two dict updates)."""
    token = state.router.session.client_token
    if not token:
        return
    uid = await current_user_id(state)
    old = _user_by_tab.get(token)
    if old == uid:
        return
    if old is not None:
        _forget(token, old)
    if uid is not None:
        if len(_user_by_tab) >= PRUNE_AT:
            _prune()
        _user_by_tab[token] = uid
        _tabs_by_user.setdefault(uid, set()).add(token)


def _prune() -> None:
    """Drop tabs whose socket has gone (tabs are otherwise forgotten only when pushed to)."""
    namespace = getattr(_the_app(), "event_namespace", None)
    if namespace is None:
        return
    connected = namespace.token_to_sid
    for token, uid in list(_user_by_tab.items()):
        if token not in connected:
            _forget(token, uid)


def _forget(token: str, uid: int) -> None:
    _user_by_tab.pop(token, None)
    tabs = _tabs_by_user.get(uid)
    if tabs is not None:
        tabs.discard(token)
        if not tabs:
            del _tabs_by_user[uid]


def tabs_of(uid: int) -> set[str]:
    return set(_tabs_by_user.get(uid, ()))


def on_push(hook: PushHook) -> PushHook:
    """Register `hook(root_state, event)`, run under each target tab's state lock."""
    _hooks.append(hook)
    return hook


class ToastState(rx.State):
    """The newest alert toast for this tab: {"id", "level", "title", "description", "ts"}."""

    last: dict[str, str] = {}


async def confirm(state: rx.State, title: str, description: str = "") -> None:
    """A success toast in this tab only (e.g. "Alert created"), through the same var and
    hook as alert toasts."""
    toast_state = await state.get_state(ToastState)
    toast_state.last = {
        "id": f"notice-{uuid.uuid4().hex[:12]}",
        "level": "success",
        "title": title,
        "description": description,
        "ts": str(int(time.time() * 1000)),
    }


def toast_payload(event: EventData) -> dict[str, str]:
    level = "success" if event.condition in ("price_above", "week52_high_cross") else "warning"
    return {
        "id": f"alert-event-{event.id}",
        "level": level,
        "title": event.message,
        "description": f"Alert #{event.alert_id} · {event.symbol}",
        "ts": str(int(time.time() * 1000)),
    }


class _AlertToastListener(Fragment):
    """Renders nothing; its hook turns each new `ToastState.last` into a sonner toast.

    A toast older than FRESH_MS (a page reload re-hydrating the last one) is not shown.
    """

    def add_imports(self) -> dict:
        return {"react": [ImportVar(tag="useEffect"), ImportVar(tag="useRef")]}

    def add_hooks(self) -> list[str | Var]:
        last = ToastState.last
        code = f"""
const alertToastSeen = useRef(null);
useEffect(() => {{
  const t = {last!s};
  if (!t || !t.id || alertToastSeen.current === t.id) return;
  alertToastSeen.current = t.id;
  if (Date.now() - Number(t.ts || 0) > {FRESH_MS}) return;
  const show = {toast_ref!s}?.[t.level] ?? {toast_ref!s};
  show?.(t.title, {{ description: t.description, id: t.id, duration: {TOAST_MS},
    closeButton: true }});
}}, [{last!s}?.id]);"""
        data = VarData.merge(last._get_all_var_data(), toast_ref._get_all_var_data())
        return [Var(code, _var_type=str, _var_data=data)]


def alert_toasts() -> rx.Component:
    """Place once per page (the layout does) to show the user's alert toasts."""
    return _AlertToastListener.create()


def _the_app() -> Any:
    global _app
    if _app is None:
        from reflex.utils.prerequisites import get_and_validate_app

        _app = get_and_validate_app().app
    return _app


BROADCAST_TOPIC = "alert-event"


async def notify(event: EventData) -> None:
    """Engine observer (on the leader): show the event in every open tab of its owner, on
    every worker."""
    payload = {"topic": BROADCAST_TOPIC, "event": event.as_dict()}
    if not await alerts.broadcast(orjson.dumps(payload)):
        await notify_local(event)


async def _on_broadcast(payload: bytes) -> None:
    try:
        message = orjson.loads(payload)
        if message.get("topic") != BROADCAST_TOPIC:
            return
        event = EventData(**message["event"])
    except (orjson.JSONDecodeError, TypeError, KeyError, AttributeError):
        log.warning("ignoring a malformed alert broadcast")
        return
    await notify_local(event)


alerts.on_broadcast(_on_broadcast)


async def notify_local(event: EventData) -> None:
    """Push the event to the tabs of its owner that this process holds."""

    async def show(root: rx.State) -> None:
        await show_toast(root, toast_payload(event))
        for hook in _hooks:
            await hook(root, event)

    await push_to_user(event.user_id, show)


async def push_to_user(uid: int, apply: Callable[[rx.State], Awaitable[None]]) -> None:
    """Run `apply(root_state)` in every tab of user `uid` this process holds, under the
    tab's state lock, after checking again that the tab is still that user's."""
    tabs = tabs_of(uid)
    if not tabs:
        return
    app = _the_app()
    namespace = getattr(app, "event_namespace", None)
    if namespace is None:
        return
    connected = namespace.token_to_sid
    for token in tabs:
        if token not in connected:
            _forget(token, uid)
            continue
        try:
            await _push(app, token, uid, apply)
        except Exception:
            log.exception("toast push failed")


async def _push(
    app: Any, token: str, uid: int, apply: Callable[[rx.State], Awaitable[None]]
) -> None:
    async with app.modify_state(BaseStateToken(ident=token, cls=AuthState)) as root:
        auth = await root.get_state(AuthState)
        if auth._verified_user_id() != uid:
            _forget(token, uid)
            return
        await apply(root)


async def show_toast(root: rx.State, payload: dict[str, str]) -> None:
    """Set the tab's toast (from `push_to_user`'s `apply`, under the tab's lock)."""
    toast_state = await root.get_state(ToastState)
    toast_state.last = payload


alerts.on_fired(notify)
