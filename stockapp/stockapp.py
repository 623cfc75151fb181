"""The Reflex app: pages, the FastAPI API mounted in, and the shared services' lifespan.

Each page module defines `page()` and `ON_LOAD`; PAGES lists them with their routes.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import reflex as rx

from stockapp.api.app import create_api
from stockapp.components.connection import connection_banner
from stockapp.pages import (
    alerts,
    analysis,
    dashboard,
    movers,
    not_found,
    options,
    orders,
    peers,
    pick,
    portfolio,
    recommendations,
    screener,
    sectors,
    watchlist,
)
from stockapp.pages import auth as auth_pages
from stockapp.runtime import runtime
from stockapp.state.event_gate import gate_unknown_events
from stockapp.state.live import live
from stockapp.state.recent import RecentState

PAGES = [
    (dashboard, "Dashboard", "/"),
    (watchlist, "Watchlist", "/watchlist"),
    (movers, "Market Movers", "/movers"),
    (portfolio, "Portfolio", "/portfolio"),
    (analysis, "Analysis", "/analysis/[symbol]"),
    (recommendations, "Recommendations", "/recommendations"),
    (peers, "Peer Comparison", "/peers/[symbol]"),
    (options, "Options Chain", "/options/[symbol]"),
    (sectors, "Sector Analysis", "/sectors"),
    (screener, "Screener", "/screener"),
    (alerts, "Alerts", "/alerts"),
    (orders, "Orders", "/orders"),
]


@asynccontextmanager
async def services(app: rx.App):
    await runtime.start()
    live.attach(app, runtime.require_hub())
    if app.event_namespace is not None:
        gate_unknown_events(app.event_namespace)
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
# Reflex's default overlay shows developer text when the socket drops; one calm banner instead
app.app_wraps[(5, "Overlay")] = lambda stateful: connection_banner() if stateful else None
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


for _module, _title, _route in PAGES:
    _on_load = _module.ON_LOAD
    if _route.endswith("/[symbol]"):  # remembered, so the bare route can reopen it
        _on_load = [*_on_load, RecentState.remember]
    app.add_page(_module.page, route=_route, title=f"{_title} · stockapp", on_load=_on_load)

# bare /analysis, /peers, /options: the symbol last used there, else a picker
for _page, _title, _route in (
    (pick.analysis_page, "Analysis", "/analysis"),
    (pick.peers_page, "Peer Comparison", "/peers"),
    (pick.options_page, "Options Chain", "/options"),
):
    app.add_page(_page, route=_route, title=f"{_title} · stockapp", on_load=pick.ON_LOAD)

app.add_page(
    not_found.page, route="404", title="Page not found · stockapp", on_load=not_found.ON_LOAD
)
