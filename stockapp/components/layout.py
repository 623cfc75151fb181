"""The app shell: navigation, global search, market status, connection indicator, ticker."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import (
    has_connection_errors,
    has_too_many_connection_errors,
)

from stockapp.components.connection import connection_lost
from stockapp.components.live_patch import live_patch
from stockapp.components.order_ticket import order_ticket
from stockapp.components.price import change_color, field, flash_price
from stockapp.components.replay import replay_bar, replay_start
from stockapp.components.search import instrument_picker
from stockapp.components.table import scroll_region
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState
from stockapp.state.toasts import alert_toasts

NAV = [
    ("Dashboard", "/", "layout-dashboard"),
    ("Watchlist", "/watchlist", "star"),
    ("Market Movers", "/movers", "trending-up"),
    ("Portfolio", "/portfolio", "briefcase"),
    ("Analysis", "/analysis", "chart-candlestick"),
    ("Recommendations", "/recommendations", "lightbulb"),
    ("Peer Comparison", "/peers", "users"),
    ("Options Chain", "/options", "layers"),
    ("Sector Analysis", "/sectors", "pie-chart"),
    ("Screener", "/screener", "filter"),
    ("Alerts", "/alerts", "bell"),
    ("Orders", "/orders", "receipt-text"),
]


def connection_indicator() -> rx.Component:
    """Live / Reconnecting / Offline from the real state of Reflex's socket."""
    return rx.cond(
        has_too_many_connection_errors,
        rx.badge(rx.icon("wifi-off", size=14), "Offline", color_scheme="red", id="conn-status"),
        rx.cond(
            has_connection_errors | ~rx.State.is_hydrated,
            rx.badge(
                rx.icon("loader", size=14), "Reconnecting", color_scheme="amber", id="conn-status"
            ),
            rx.badge(rx.icon("wifi", size=14), "Live", color_scheme="green", id="conn-status"),
        ),
    )


def market_pill() -> rx.Component:
    return rx.hstack(
        rx.badge(
            ShellState.market_status,
            color_scheme=rx.match(
                ShellState.market_status, ("Open", "green"), ("Pre-open", "amber"), "gray"
            ),
            id="market-status",
        ),
        rx.cond(ShellState.simulated, rx.badge("Simulated market", color_scheme="violet")),
        rx.cond(
            ShellState.calendar_note != "",
            rx.badge(ShellState.calendar_note, color_scheme="amber", id="calendar-note"),
        ),
        spacing="1",
        wrap="wrap",
    )


def search_box() -> rx.Component:
    return instrument_picker(ShellState, "search")


def ticker_strip() -> rx.Component:
    return rx.hstack(
        rx.foreach(
            ShellState.ticker,
            lambda t: rx.hstack(
                rx.text(t["name"], size="1", weight="bold"),
                rx.cond(
                    ShellState.quotes.contains(t["k"]),
                    rx.hstack(
                        flash_price(ShellState.quotes[t["k"]], size="1", rupee=False),
                        rx.text(
                            field(ShellState.quotes[t["k"]], "cp"),
                            size="1",
                            color=change_color(field(ShellState.quotes[t["k"]], "c")),
                            class_name="num",
                        ),
                        spacing="1",
                    ),
                    rx.text("…", size="1"),
                ),
                spacing="2",
                padding_x="10px",
                align="center",
            ),
        ),
        # a scrolling region: reachable and named for keyboard and screen-reader users
        **scroll_region("Index ticker", class_name="ticker-strip"),
        border_bottom="1px solid var(--gray-a5)",
        padding_y="4px",
        width="100%",
        id="ticker-strip",
    )


def is_current(href: str) -> rx.Var:
    """Whether the page shown is `href` or one of its per-symbol pages (/analysis/TCS)."""
    path = rx.State.router.url.path
    if href == "/":
        return path == "/"
    return (path == href) | path.startswith(href + "/")


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    current = is_current(href)
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), align="center"),
        href=href,
        underline="none",
        color=rx.cond(current, "var(--accent-12)", "var(--gray-12)"),
        background=rx.cond(current, "var(--accent-a4)", "transparent"),
        font_weight=rx.cond(current, "600", "400"),
        aria_current=rx.cond(current, "page", "false"),
        width="100%",
        padding="6px 8px",
        border_radius="6px",
        _hover={"background": "var(--gray-a3)"},
    )


def nav_links() -> rx.Component:
    return rx.vstack(
        *[nav_link(label, href, icon) for label, href, icon in NAV],
        spacing="1",
        width="100%",
    )


def user_menu() -> rx.Component:
    return rx.cond(
        AuthState.logged_in,
        rx.hstack(
            rx.text(AuthState.username, size="2", weight="medium", id="nav-username"),
            rx.button("Log out", size="1", variant="soft", on_click=AuthState.logout),
            align="center",
        ),
        rx.hstack(
            rx.link(rx.button("Log in", size="1"), href="/login"),
            rx.link(rx.button("Register", size="1", variant="soft"), href="/register"),
        ),
    )


# the phone's bottom tab bar: the pages used most, then "More" for the rest
TABS = ["/", "/watchlist", "/movers", "/portfolio"]
TAB_LABELS = {
    "/": "Dashboard",
    "/watchlist": "Watchlist",
    "/movers": "Movers",
    "/portfolio": "Portfolio",
}
MORE = [(label, href, icon) for label, href, icon in NAV if href not in TABS]


def search_toggle() -> rx.Component:
    """On a phone the search is an icon button; it opens the search box under the header."""
    return rx.icon_button(
        rx.icon("search", size=18),
        variant="ghost",
        aria_label="Search instruments",
        aria_controls="global-search",
        aria_expanded="false",
        id="search-toggle",
        class_name="mobile-only",
    )


def tab_link(href: str, icon: str) -> rx.Component:
    current = is_current(href)
    return rx.link(
        rx.icon(icon, size=20),
        rx.text(TAB_LABELS[href], size="1"),
        href=href,
        underline="none",
        aria_current=rx.cond(current, "page", "false"),
        class_name=rx.cond(current, "tab-link tab-current", "tab-link"),
    )


def more_menu() -> rx.Component:
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.el.button(
                rx.icon("ellipsis", size=20),
                rx.text("More", size="1"),
                type="button",
                class_name="tab-link",
                id="tab-more",
            )
        ),
        rx.drawer.overlay(),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(
                        rx.text("More pages", weight="bold"),
                        rx.spacer(),
                        rx.drawer.close(
                            rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close menu")
                        ),
                        width="100%",
                        align="center",
                    ),
                    rx.vstack(
                        *[nav_link(label, href, icon) for label, href, icon in MORE],
                        spacing="1",
                        width="100%",
                    ),
                    padding="16px",
                    id="more-menu",
                ),
                background="var(--color-panel-solid)",
                width="100%",
                border_radius="12px 12px 0 0",
            )
        ),
        direction="bottom",
    )


def tab_bar() -> rx.Component:
    icons = {href: icon for _, href, icon in NAV}
    return rx.el.nav(
        *[tab_link(href, icons[href]) for href in TABS],
        more_menu(),
        class_name="tab-bar mobile-only",
        aria_label="Main pages",
        id="tab-bar",
    )


def top_bar() -> rx.Component:
    return rx.hstack(
        # on a phone the tab bar leads home; the header keeps its one row for the controls
        rx.link(
            rx.heading("stockapp", size="4"), href="/", underline="none", class_name="hide-mobile"
        ),
        rx.box(search_box(), class_name="header-search"),
        rx.spacer(),
        rx.box(market_pill(), class_name="hide-mobile"),
        search_toggle(),
        replay_start(),
        connection_indicator(),
        rx.color_mode.button(size="1", variant="ghost", aria_label="Toggle light or dark theme"),
        user_menu(),
        align="center",
        spacing="3",
        padding="8px 12px",
        width="100%",
        wrap="wrap",
        class_name="top-bar",
    )


def shortcut_script() -> rx.Component:
    """`/` focuses the global search (unless the user is typing somewhere); on a phone the
    search icon opens the search box and focuses it (plain DOM: no round trip, no eval)."""
    return rx.script(
        """
document.addEventListener('keydown', function (e) {
  if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
  var t = e.target; var tag = (t && t.tagName) || '';
  if (tag === 'INPUT' || tag === 'TEXTAREA' || (t && t.isContentEditable)) return;
  var box = document.getElementById('global-search');
  if (box) { e.preventDefault(); box.focus(); }
});
document.addEventListener('click', function (e) {
  var button = e.target && e.target.closest && e.target.closest('#search-toggle');
  var shell = button && document.querySelector('.app-shell');
  if (!shell) return;
  var open = shell.classList.toggle('search-open');
  button.setAttribute('aria-expanded', String(open));
  if (open) setTimeout(function () {
    var box = document.getElementById('global-search'); if (box) box.focus();
  }, 0);
});
"""
    )


def page_layout(title: str, *content: rx.Component) -> rx.Component:
    return rx.box(
        shortcut_script(),
        top_bar(),
        replay_bar(),
        ticker_strip(),
        rx.hstack(
            rx.box(
                nav_links(), class_name="sidebar", width="200px", padding="12px", flex_shrink="0"
            ),
            rx.el.main(
                rx.heading(title, size="6", margin_bottom="12px"),
                *content,
                width="100%",
                min_width="0",
                padding="12px",
                id="main",
            ),
            align="start",
            width="100%",
            spacing="0",
        ),
        tab_bar(),
        rx.toast.provider(),
        alert_toasts(),
        order_ticket(),
        live_patch(),
        width="100%",
        # while the socket is down, CSS greys every live dot and marks every price stale
        class_name=rx.cond(connection_lost, "app-shell conn-lost", "app-shell"),
    )
