"""Log-in state: the JWT lives in the browser's localStorage so a reload keeps the user
logged in; it is re-validated on every page load and whenever a state needs the user,
including whether it was revoked by a log-out or password change (`auth.revocation`)."""

from __future__ import annotations

import asyncio

import reflex as rx

from stockapp.auth.revocation import verified_user_id
from stockapp.auth.throttle import ip_throttle
from stockapp.auth.tokens import InvalidToken, create_access_token, decode_token_claims
from stockapp.services import accounts
from stockapp.services.accounts import AccountError, User

PUBLIC_ROUTES = {"/login", "/register"}


class AuthState(rx.State):
    token: str = rx.LocalStorage("", name="stockapp_token", sync=True)
    username: str = ""
    auth_error: str = ""
    auth_busy: bool = False

    @rx.var
    def logged_in(self) -> bool:
        return self.username != ""

    def _verified_user_id(self) -> int | None:
        """The user id of a valid token, or None (expired, tampered, revoked, absent)."""
        if not self.token:
            return None
        return verified_user_id(self.token)

    @rx.event
    def check_login(self):
        try:
            claims = decode_token_claims(self.token) if self.token else None
        except InvalidToken:
            claims = None
        if claims is None:
            self.username = ""
            if self.token:
                self.token = ""
            return
        user = accounts.user_of(claims)
        if user is None:
            self.username, self.token = "", ""
        else:
            self.username = user.username

    @rx.event
    def require_login(self):
        """on_load guard for per-user pages."""
        self.check_login()
        if not self.logged_in:
            return rx.redirect(f"/login?next={self.router.page.path}")

    def _finish_login(self, user: User):
        self.token, _ = create_access_token(user.id, version=user.token_version)
        self.username = user.username
        self.auth_error = ""
        target = self.router.page.params.get("next") or "/"
        if not str(target).startswith("/") or str(target).startswith("//"):
            target = "/"
        return rx.redirect(str(target))

    async def _throttled(self, action: str) -> bool:
        # in a worker thread: with Redis the counters are a network round trip
        verdict = await asyncio.to_thread(ip_throttle().hit, action, self.router.session.client_ip)
        if not verdict.allowed:
            self.auth_error = (
                f"Too many {action} attempts from this address; "
                f"try again in {verdict.retry_after} s"
            )
        return not verdict.allowed

    # Log-in and registration hash a password (tens of milliseconds of CPU, far more on a
    # loaded machine) and write to the database: in a worker thread, as the REST endpoints
    # do. Reflex runs a synchronous handler on the event loop itself, where every log-in
    # stalled every other tab, socket and request of the worker until it was done.
    @rx.event
    async def login(self, form: dict):
        if await self._throttled("login"):
            return
        username, password = form.get("username", ""), form.get("password", "")
        try:
            user = await asyncio.to_thread(accounts.log_in, username, password)
        except AccountError as exc:
            self.auth_error = str(exc)
            return
        return self._finish_login(user)

    @rx.event
    async def register(self, form: dict):
        password = form.get("password", "")
        if password != form.get("confirm", password):
            self.auth_error = "Passwords do not match"
            return
        if await self._throttled("register"):
            return
        username = form.get("username", "")
        try:
            user = await asyncio.to_thread(accounts.register, username, password)
        except AccountError as exc:
            self.auth_error = str(exc)
            return
        return self._finish_login(user)

    @rx.event
    def logout(self):
        """Log out everywhere: every token of this user (other tabs, devices, copies made
        for scripts) is revoked, not just this tab's."""
        user_id = self._verified_user_id()
        if user_id is not None:
            accounts.log_out_everywhere(user_id)
        self.token = ""
        self.username = ""
        return rx.redirect("/login")

    @rx.event
    def clear_error(self):
        self.auth_error = ""


async def current_user_id(state: rx.State) -> int | None:
    auth = await state.get_state(AuthState)
    return auth._verified_user_id()
