"""Every Reflex event handler that acts on a stored object by id checks ownership BEFORE it
changes anything, in the database and in the in-memory engines (the alert engine).

`OWNERSHIP` is the audit: each handler that takes an object id (as an argument, from the
URL, or from an id kept in its state) with the check that guards it. The static test keeps
the table complete as handlers are added; the dynamic test drives each one as another user
against the owner's objects and asserts that nothing changed, neither the rows nor the
alert engine's book (an alert dropped from the book silently never fires).
"""

from __future__ import annotations

import ast
import inspect
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.security.test_reflex_handlers import methods, state_classes

ID_STATE_FIELDS = ("self.active_id", "self.confirm_id", "self.edit_id")
WL = "stockapp.pages.watchlist_state"

# handler -> the check that runs before anything is changed
OWNERSHIP: dict[str, str] = {
    "AlertsState.delete": "services.alerts.delete: store.delete_alert(uid, id) answers NotFound "
    "for another user's alert; alert_engine.alert_deleted runs only after it succeeded",
    "ScreenerState.load_screen": "_owned_screen: saved.get_screen(uid, id)",
    "ScreenerState.delete_screen": "_owned_screen, then saved.delete_screen(uid, id)",
    "WatchlistState.load": "_refresh: only lists of wl.lists(uid) can become active",
    "WatchlistState.select_list": "_refresh: only lists of wl.lists(uid)",
    "WatchlistState.rename_list": "_edit: wl.rename(uid, active_id) -> _owned",
    "WatchlistState.delete_list": "_edit: wl.delete(uid, active_id) -> _owned",
    "WatchlistState.add_symbol": "_edit: wl.add_item(uid, active_id) -> _owned",
    "WatchlistState.combo_key": "Enter -> _combo_chosen -> add_symbol -> _edit -> _owned",
    "WatchlistState.combo_pick": "_combo_chosen -> add_symbol -> _edit -> _owned",
    "WatchlistState.remove_symbol": "_edit: wl.remove_item(uid, active_id) -> _owned",
    "PortfolioState.ask_delete": "only ids among the user's own loaded trades (no storage)",
    "PortfolioState.confirm_delete": "book.delete_trade(uid, id) answers NotFound",
    "PortfolioState.cancel_delete": "only clears the pending id (no storage)",
    "PortfolioState.load": "only clears the pending id, then loads the user's own book",
    "OrdersState.cancel": "services.paper.cancel: store.get_order(uid, id) answers NotFound "
    "before the order or the engine's book is touched",
    "OrdersState.load": "only clears the pending id, then loads the user's own orders",
    "OrdersState.set_edit_open": "only clears the pending id (no storage)",
    "OrdersState.start_edit": "only ids among the user's own loaded open orders (no storage)",
    "OrdersState.save_edit": "services.paper.modify: store.get_order(uid, edit_id) answers "
    "NotFound before the order or the engine's book is touched",
}


def _takes_object_id(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    params = [a.arg for a in fn.args.args[1:]]
    if any(p == "id" or p.endswith("_id") for p in params):
        return True
    body = ast.unparse(fn)
    return any(f in body for f in ID_STATE_FIELDS) or 'params.get("id")' in body


def test_every_handler_acting_on_an_id_is_in_the_audit_table():
    found = set()
    for _, cls in state_classes():
        for name, fn in methods(cls).items():
            if not name.startswith("_") and _takes_object_id(fn):
                found.add(f"{cls.name}.{name}")
    missing = sorted(found - set(OWNERSHIP))
    assert missing == [], f"add these handlers and their ownership check to OWNERSHIP: {missing}"
    assert found, "the scan found no handlers at all"


@pytest.fixture
def owner_and_intruder(migrated_db):
    from stockapp.alerts import store
    from stockapp.db.models import Alert, Screen, Trade, User, Watchlist, WatchlistItem
    from stockapp.db.paper_models import PaperOrder
    from stockapp.db.session import session_scope

    with session_scope() as s:
        a = User(username=f"own_{uuid.uuid4().hex[:8]}", password_hash="x")
        b = User(username=f"intr_{uuid.uuid4().hex[:8]}", password_hash="x")
        s.add_all([a, b])
        s.flush()
        wl = Watchlist(user_id=a.id, name="owner list")
        s.add_all([wl, Watchlist(user_id=b.id, name="intruder list")])
        s.flush()
        s.add(WatchlistItem(watchlist_id=wl.id, symbol="RELIANCE", market="india_nse"))
        alert = Alert(
            user_id=a.id, symbol="TCS", market="india_nse", condition="price_above", value=1e7
        )
        trade = Trade(
            user_id=a.id,
            symbol="INFY",
            market="india_nse",
            side="buy",
            quantity=2,
            price=Decimal("1500"),
            traded_at=datetime(2024, 1, 15, 5, tzinfo=UTC),
        )
        screen = Screen(user_id=a.id, name="owner screen", criteria="{}")
        order = PaperOrder(
            user_id=a.id,
            symbol="INFY",
            market="india_nse",
            side="buy",
            order_type="limit",
            product="cnc",
            validity="day",
            quantity=2,
            price=Decimal("1000"),
            status="open",
            session_day=datetime(2024, 1, 15, tzinfo=UTC).date(),
        )
        s.add_all([alert, trade, screen, order])
        s.flush()
        ids = {
            "a": a.id,
            "b": b.id,
            "watchlist": wl.id,
            "alert": alert.id,
            "trade": trade.id,
            "screen": screen.id,
            "order": order.id,
        }
        rule = store.rule_of(alert, a.id)
    from stockapp.alerts.engine import alert_engine

    alert_engine.book.add(rule)  # as the running engine would hold it
    yield ids
    alert_engine.book.remove(ids["alert"])


def _snapshot(ids: dict) -> dict:
    from sqlmodel import select

    from stockapp.alerts.engine import alert_engine
    from stockapp.db.models import Alert, Screen, Trade, Watchlist, WatchlistItem
    from stockapp.db.paper_models import PaperOrder
    from stockapp.db.session import session_scope

    with session_scope() as s:
        wl = s.get(Watchlist, ids["watchlist"])
        order = s.get(PaperOrder, ids["order"])
        items = s.exec(
            select(WatchlistItem.symbol).where(WatchlistItem.watchlist_id == ids["watchlist"])
        ).all()
        return {
            "watchlist": (wl.name, wl.user_id) if wl else None,
            "items": sorted(items),
            "alert": s.get(Alert, ids["alert"]) is not None,
            "trade": s.get(Trade, ids["trade"]) is not None,
            "screen": s.get(Screen, ids["screen"]) is not None,
            "engine_has_alert": ids["alert"] in alert_engine.book,
            "order": (order.status, order.quantity, order.price, order.version),
        }


def _drives(ids: dict) -> dict[str, tuple[str, str, tuple, dict]]:
    """handler -> (module, state class, args, state fields forced first)."""
    wl = {"active_id": ids["watchlist"]}
    alert, screen, trade = str(ids["alert"]), str(ids["screen"]), str(ids["trade"])
    order = str(ids["order"])
    tcs = {"symbol": "TCS", "name": "", "market": "india_nse", "exch": "NSE"}
    picked = {**wl, "combo_options": [tcs], "combo_active": 0}  # TCS highlighted in the box
    return {
        "AlertsState.delete": ("stockapp.pages.alerts_state", "AlertsState", (alert,), {}),
        "ScreenerState.load_screen": ("stockapp.pages.screener_state", "", (screen,), {}),
        "ScreenerState.delete_screen": ("stockapp.pages.screener_state", "", (screen,), {}),
        "WatchlistState.select_list": (WL, "", (str(wl["active_id"]),), {}),
        "WatchlistState.rename_list": (WL, "", ({"name": "x1"},), wl),
        "WatchlistState.add_symbol": (WL, "", ("TCS", "india_nse"), wl),
        "WatchlistState.combo_key": (WL, "", ("Enter",), picked),
        "WatchlistState.combo_pick": (WL, "", (0,), picked),
        "WatchlistState.remove_symbol": (WL, "", ("RELIANCE",), wl),
        "WatchlistState.delete_list": (WL, "", (), wl),
        "PortfolioState.ask_delete": ("stockapp.pages.portfolio_state", "", (trade,), {}),
        "PortfolioState.confirm_delete": (
            "stockapp.pages.portfolio_state",
            "",
            (),
            {"confirm_id": trade},
        ),
        "PortfolioState.cancel_delete": (
            "stockapp.pages.portfolio_state",
            "",
            (),
            {"confirm_id": trade},
        ),
        "PortfolioState.load": ("stockapp.pages.portfolio_state", "", (), {"confirm_id": trade}),
        "OrdersState.cancel": ("stockapp.pages.orders_state", "", (order,), {}),
        "OrdersState.start_edit": ("stockapp.pages.orders_state", "", (order,), {}),
        "OrdersState.load": ("stockapp.pages.orders_state", "", (), {"edit_id": order}),
        "OrdersState.set_edit_open": (
            "stockapp.pages.orders_state",
            "",
            (False,),
            {"edit_id": order},
        ),
        "OrdersState.save_edit": (
            "stockapp.pages.orders_state",
            "",
            (),
            {"edit_id": order, "e_qty": "9", "e_price": "999"},
        ),
    }


async def test_each_id_handler_as_another_user_changes_nothing(owner_and_intruder):
    from reflex.state import State
    from reflex_base.registry import RegistrationContext

    from stockapp.auth.tokens import create_access_token
    from stockapp.state.auth import AuthState
    from stockapp.stockapp import app  # registers every page state

    # the states were registered in whichever test imported the app first: use its context
    RegistrationContext.set(app._registration_context)

    ids = owner_and_intruder
    before = _snapshot(ids)
    assert before["engine_has_alert"] and before["alert"]
    driven = _drives(ids)
    # handlers whose only id comes from the URL are covered through the same helper
    assert set(OWNERSHIP) - set(driven) <= {"WatchlistState.load"}
    for qualname, (module, cls_name, args, fields) in driven.items():
        cls_name = cls_name or qualname.split(".")[0]
        cls = getattr(__import__(module, fromlist=[cls_name]), cls_name)
        root = State(_reflex_internal_init=True)
        root.get_substate(AuthState.get_full_name().split(".")[1:]).token = create_access_token(
            ids["b"]
        )[0]
        state = root.get_substate(cls.get_full_name().split(".")[1:])
        for k, v in fields.items():
            setattr(state, k, v)
        handler = getattr(cls, qualname.split(".")[1])
        result = handler.fn(state, *args)
        if inspect.isawaitable(result):
            await result
        elif inspect.isasyncgen(result):
            async for _ in result:
                pass
        assert _snapshot(ids) == before, f"{qualname} as another user changed the owner's data"
