"""The Reflex app: pages, the FastAPI API mounted in, and the shared services' lifespan."""

from __future__ import annotations

from contextlib import asynccontextmanager

import reflex as rx

from stockapp.api.app import create_api
from stockapp.pages import auth as auth_pages
from stockapp.pages import dashboard, movers, watchlist
from stockapp.pages.stubs import stub
from stockapp.runtime import runtime
from stockapp.state.auth import AuthState
from stockapp.state.live import live
from stockapp.state.shell import ShellState

SHELL = [AuthState.check_login, ShellState.load]


@asynccontextmanager
async def services(app: rx.App):
    await runtime.start()
    live.attach(app, runtime.require_hub())
    try:
        yield
    finally:
        live.detach()
        await runtime.stop()


app = rx.App(
    api_transformer=create_api(),
    stylesheets=["/styles.css"],
    head_components=[rx.el.meta(name="viewport", content="width=device-width, initial-scale=1")],
)
app.register_lifespan_task(services)

app.add_page(
    auth_pages.login_page, route="/login", title="Log in · stockapp", on_load=auth_pages.ON_LOAD
)
app.add_page(
    auth_pages.register_page,
    route="/register",
    title="Register · stockapp",
    on_load=auth_pages.ON_LOAD,
)

app.add_page(
    dashboard.dashboard_page, route="/", title="Dashboard · stockapp", on_load=dashboard.ON_LOAD
)
app.add_page(
    watchlist.watchlist_page,
    route="/watchlist",
    title="Watchlist · stockapp",
    on_load=watchlist.ON_LOAD,
)
app.add_page(
    movers.movers_page, route="/movers", title="Market Movers · stockapp", on_load=movers.ON_LOAD
)

for _title, _route in [
    ("Portfolio", "/portfolio"),
    ("Analysis", "/analysis/[symbol]"),
    ("Recommendations", "/recommendations"),
    ("Peer Comparison", "/peers/[symbol]"),
    ("Options Chain", "/options/[symbol]"),
    ("Sector Analysis", "/sectors"),
    ("Screener", "/screener"),
    ("Alerts", "/alerts"),
]:
    app.add_page(
        lambda t=_title: stub(t), route=_route, title=f"{_title} · stockapp", on_load=SHELL
    )
