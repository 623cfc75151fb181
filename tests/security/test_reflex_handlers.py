"""Reflex event handlers are callable by any browser with any arguments: those acting on
stored objects must check the logged-in user, and helpers must not be callable at all.

Static part: scans stockapp/state, stockapp/pages and stockapp/components for public
methods of State classes (every one is an event handler in Reflex). Dynamic part: runs
the handlers in-process as user B against user A's watchlist, alert, trade and screen.
"""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [ROOT / "stockapp" / d for d in ("state", "pages", "components")]
DECORATORS_OK = ("event", "var", "computed")


def state_classes() -> list[tuple[Path, ast.ClassDef]]:
    found = []
    for folder in SCANNED:
        for path in sorted(folder.glob("*.py")):
            tree = ast.parse(path.read_text())
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and any(
                    "State" in ast.unparse(b) or "Mixin" in ast.unparse(b) for b in node.bases
                ):
                    found.append((path, node))
    return found


def methods(cls: ast.ClassDef) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


USER_CHECKS = ("current_user_id", "_verified_user_id")
STORAGE = ("run_db", "session_scope", "Session")


def calls(name: str, table: dict, targets: tuple[str, ...], seen: set[str] | None = None) -> bool:
    """Whether method `name` calls one of `targets`, directly or through self.<methods>."""
    seen = seen if seen is not None else set()
    if name in seen or name not in table:
        return False
    seen.add(name)
    for node in ast.walk(table[name]):
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func.rsplit(".", 1)[-1] in targets:
                return True
            if func.startswith("self.") and calls(func[5:], table, targets, seen):
                return True
    return False


def test_scan_finds_the_states():
    names = {cls.name for _, cls in state_classes()}
    assert {"AuthState", "WatchlistState"} <= names


def test_helpers_are_private_every_public_method_is_a_declared_handler():
    loose = []
    for path, cls in state_classes():
        for name, fn in methods(cls).items():
            if name.startswith("_"):
                continue
            decorators = [ast.unparse(d) for d in fn.decorator_list]
            if not any(any(ok in d for ok in DECORATORS_OK) for d in decorators):
                loose.append(f"{path.name}:{cls.name}.{name}")
    assert loose == [], "public State methods are browser-callable: prefix helpers with _"


def test_handlers_taking_object_ids_check_the_user():
    """Handlers that take an object id and reach the database must know the user first."""
    unchecked = []
    for path, cls in state_classes():
        table = methods(cls)
        for name, fn in table.items():
            if name.startswith("_"):
                continue
            params = [a.arg for a in fn.args.args[1:]]
            takes_id = any(p.endswith("_id") or p == "id" for p in params)
            if takes_id and calls(name, table, STORAGE) and not calls(name, table, USER_CHECKS):
                unchecked.append(f"{path.name}:{cls.name}.{name}")
    assert unchecked == []


# -- dynamic: user B's handlers against user A's objects ------------------------------------


@pytest.fixture(scope="module")
def two_users(migrated_db):
    from stockapp.db.models import Alert, Screen, Trade, User, Watchlist, WatchlistItem
    from stockapp.db.session import session_scope

    with session_scope() as s:
        a = User(username=f"owner_{uuid.uuid4().hex[:8]}", password_hash="x")
        b = User(username=f"intruder_{uuid.uuid4().hex[:8]}", password_hash="x")
        s.add_all([a, b])
        s.flush()
        wl = Watchlist(user_id=a.id, name="owner list")
        s.add(wl)
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
        s.add_all([alert, trade, screen])
        s.flush()
        ids = {
            "a": a.id,
            "b": b.id,
            "watchlist": wl.id,
            "alert": alert.id,
            "trade": trade.id,
            "screen": screen.id,
        }
    return ids


def owner_rows(ids: dict) -> dict:
    from sqlmodel import select

    from stockapp.db.models import Alert, Screen, Trade, Watchlist, WatchlistItem
    from stockapp.db.session import session_scope

    with session_scope() as s:
        wl = s.get(Watchlist, ids["watchlist"])
        items = s.exec(
            select(WatchlistItem.symbol).where(WatchlistItem.watchlist_id == ids["watchlist"])
        ).all()
        return {
            "watchlist": (wl.name, wl.user_id) if wl else None,
            "items": sorted(items),
            "alert": s.get(Alert, ids["alert"]) is not None,
            "trade": s.get(Trade, ids["trade"]) is not None,
            "screen": s.get(Screen, ids["screen"]) is not None,
        }


async def test_another_users_handlers_cannot_touch_owner_objects(two_users):
    from reflex.state import State
    from reflex_base.registry import RegistrationContext

    from stockapp.auth.tokens import create_access_token
    from stockapp.state.auth import AuthState
    from stockapp.stockapp import app  # registers every page state

    # the states were registered in whichever test imported the app first: use its context
    RegistrationContext.set(app._registration_context)

    ids = two_users
    before = owner_rows(ids)
    root = State(_reflex_internal_init=True)

    def sub(cls):
        return root.get_substate(cls.get_full_name().split(".")[1:])

    sub(AuthState).token = create_access_token(ids["b"])[0]
    calls = []
    from stockapp.pages.watchlist_state import WatchlistState

    wl = sub(WatchlistState)
    calls += [
        (wl, WatchlistState.select_list, (str(ids["watchlist"]),)),
    ]
    await run(calls)
    assert wl.active_id != ids["watchlist"] and all("RELIANCE" not in r for r in wl.rows)
    # even with the id forced into the state (as a crafted client could try)
    for handler, args in [
        (WatchlistState.remove_symbol, ("RELIANCE",)),
        (WatchlistState.rename_list, ({"name": "pwned"},)),
        (WatchlistState.add_symbol, ("TCS", "india_nse")),
        (WatchlistState.delete_list, ()),
    ]:
        wl.active_id = ids["watchlist"]
        await run([(wl, handler, args)])
    others = []
    for module, cls_name, handler, args, setup in [
        ("stockapp.pages.alerts_state", "AlertsState", "delete", (str(ids["alert"]),), {}),
        (
            "stockapp.pages.portfolio_state",
            "PortfolioState",
            "confirm_delete",
            (),
            {"confirm_id": str(ids["trade"])},
        ),
        (
            "stockapp.pages.screener_state",
            "ScreenerState",
            "delete_screen",
            (str(ids["screen"]),),
            {},
        ),
    ]:
        try:
            mod = __import__(module, fromlist=[cls_name])
        except ModuleNotFoundError:
            continue
        cls = getattr(mod, cls_name)
        state = sub(cls)
        for k, v in setup.items():
            setattr(state, k, v)
        others.append((state, getattr(cls, handler), args))
    await run(others)
    assert owner_rows(ids) == before


async def run(calls) -> None:
    """Call each handler's function as Reflex would; handlers that end in a redirect or a
    follow-up event return it, which is fine; what matters is the stored data."""
    import inspect

    for state, handler, args in calls:
        result = handler.fn(state, *args)
        if inspect.isawaitable(result):
            await result
        elif inspect.isasyncgen(result):
            async for _ in result:
                pass


def test_the_trade_form_setter_writes_only_the_form_text_fields():
    """set_trade_field takes a var name from the browser: only the form's own text vars."""
    from reflex.state import State
    from reflex_base.registry import RegistrationContext

    from stockapp.pages.portfolio_state import PortfolioState
    from stockapp.stockapp import app

    RegistrationContext.set(app._registration_context)
    root = State(_reflex_internal_init=True)
    state = root.get_substate(PortfolioState.get_full_name().split(".")[1:])
    state.confirm_id = ""
    for var in ("confirm_id", "trade_count", "_positions", "f_side", "loaded"):
        PortfolioState.set_trade_field.fn(state, var, "7")
    assert state.confirm_id == "" and state.trade_count == 0 and state.f_side == "buy"
    PortfolioState.set_trade_field.fn(state, "f_qty", "30")
    PortfolioState.set_trade_field.fn(state, "f_note", "long term")
    assert (state.f_qty, state.f_note) == ("30", "long term")
