"""Page log-in and registration check the password off the event loop.

Reflex runs a synchronous event handler on the event loop itself. The page log-in hashed
the password there (plus the database work), so on a busy, long-running server every
log-in stalled every other tab, socket and request of the worker, and under load page
log-ins stopped completing while the REST API (which hashes in the thread pool) still
answered. Proved without timing: the password check is held until the event loop has run
something else; on the loop it could never be released.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import uuid

import pytest

from tests.security.conftest import PASSWORD

HOLD = 10.0  # seconds the held check waits for the loop before it gives up


def _auth_state():
    from reflex.state import State
    from reflex_base.registry import RegistrationContext

    from stockapp.state.auth import AuthState
    from stockapp.stockapp import app

    RegistrationContext.set(app._registration_context)
    root = State(_reflex_internal_init=True)
    return AuthState, root.get_substate(AuthState.get_full_name().split(".")[1:])


@pytest.mark.parametrize("action", ["login", "register"])
async def test_the_password_is_checked_while_the_event_loop_runs(migrated_db, monkeypatch, action):
    from stockapp.auth.accounts import register_user
    from stockapp.db.session import session_scope
    from stockapp.services import accounts as accounts_module

    name = f"loop_{uuid.uuid4().hex[:8]}"
    if action == "login":
        with session_scope() as s:
            register_user(s, name, PASSWORD)
    target = "authenticate" if action == "login" else "register_user"
    real = getattr(accounts_module, target)
    started, release = threading.Event(), threading.Event()

    def held(*args):
        started.set()
        assert release.wait(HOLD), "the event loop did not run while the password was checked"
        return real(*args)

    monkeypatch.setattr(accounts_module, target, held)
    state_cls, auth = _auth_state()
    form = {"username": name, "password": PASSWORD, "confirm": PASSWORD}

    async def submit():
        result = getattr(state_cls, action).fn(auth, form)
        return await result if inspect.isawaitable(result) else result

    task = asyncio.ensure_future(submit())
    assert await asyncio.to_thread(started.wait, HOLD)
    release.set()  # only reachable while the check is in progress if the loop is free
    await task
    assert auth.auth_error == "" and auth.username == name and auth.token
