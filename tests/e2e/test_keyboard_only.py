"""A new user's first session with the keyboard alone (Tab, Shift-Tab, Enter, Esc, arrows;
no mouse click anywhere): register, log out and in, build a watchlist of two symbols with
the combobox, record a trade on Portfolio, and create a price alert."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import real_errors

pytestmark = pytest.mark.timeout(480)  # with the app server's first build


def focused(page, test_js: str) -> bool:
    js = f"() => {{ const e = document.activeElement; return !!e && ({test_js}); }}"
    return page.evaluate(js)


def tab_to(page, test_js: str, *, back: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift-Tab) until the focused element passes `test_js` (an expression
    of `e`); the element must show its focus."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(limit):
        if focused(page, test_js):
            assert focused(page, "e.matches(':focus-visible') || e.matches(':focus')")
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {test_js}")


def by_id(element_id: str) -> str:
    return f"e.id === {element_id!r}"


def sidebar_link(href: str) -> str:
    return f"!!e.closest('.sidebar') && e.getAttribute('href') === {href!r}"


def open_page(page, href: str, ready: str) -> None:
    """Back up (Shift-Tab) to the sidebar's link to `href` and follow it with Enter."""
    tab_to(page, sidebar_link(href), back=True)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    page.wait_for_selector(ready)


def pick(page, box_id: str, typed: str, option: str) -> None:
    """Tab to the combobox `box_id`, type, and take the first suggestion with Enter."""
    tab_to(page, by_id(box_id))
    page.keyboard.type(typed)
    page.wait_for_selector(f"#{box_id}-opt-0 >> text={option}")
    page.keyboard.press("Enter")


def fill_in(page, *values: str) -> None:
    """An account form from its username field: each value, Tab between, Enter to send."""
    page.wait_for_selector("#username")
    tab_to(page, by_id("username"))
    for i, value in enumerate(values):
        if i:
            page.keyboard.press("Tab")
        page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.wait_for_selector("#nav-username")


def test_register_log_in_watchlist_trade_and_alert_by_keyboard(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.set_default_timeout(60_000)  # a long walk on a busy machine; no timing is asserted
    name, password = f"kb_{uuid.uuid4().hex[:8]}", "keyboard-pass-1"

    # register (the username field has focus on arrival), which logs the user in
    page.goto("/register")
    fill_in(page, name, password, password)

    # log out and back in
    tab_to(page, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Log out'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login**")
    fill_in(page, name, password)

    # a watchlist of two symbols, each picked with the combobox
    open_page(page, "/watchlist", "#watchlist-add")
    if page.locator("#watchlist-select").inner_text().strip() in ("", "Choose a watchlist"):
        tab_to(page, by_id("new-list-name"))
        page.keyboard.type("Main")
        page.keyboard.press("Enter")
        page.wait_for_selector("#watchlist-select >> text=Main")
    pick(page, "watchlist-add", "infosys", "INFY")
    page.wait_for_selector("#row-INFY")
    tab_to(page, by_id("watchlist-add"), back=True)
    page.keyboard.type("hdfc")
    page.wait_for_selector("#watchlist-add-opt-1")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("#watchlist-add[aria-activedescendant=watchlist-add-opt-1]")
    page.keyboard.press("Escape")  # closes the list; nothing is added
    page.wait_for_selector("#watchlist-add-opt-0", state="detached")
    page.keyboard.press("Control+a")
    page.keyboard.type("tata consultancy")
    page.wait_for_selector("#watchlist-add-opt-0 >> text=TCS")
    page.keyboard.press("Enter")
    page.wait_for_selector("#row-TCS")
    assert page.locator("#watchlist-table tbody tr").count() == 2

    # sort by a column from its header button: Enter once ascending, again descending
    tab_to(page, "e.getAttribute('aria-label') === 'Sort by Symbol'")
    page.keyboard.press("Enter")
    header = page.locator("#watchlist-table th", has=page.get_by_label("Sort by Symbol"))
    expect(header).to_have_attribute("aria-sort", "ascending")
    page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#watchlist-table tbody tr").first).to_have_id("row-TCS")

    # the bell in a row opens the alert dialog; Esc closes it again
    tab_to(page, "e.getAttribute('aria-label') === 'Create an alert' && !!e.closest('#row-TCS')")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")

    # a trade on Portfolio: Enter in the symbol box picks, Enter in the last field saves
    open_page(page, "/portfolio", "#trade-symbol")
    pick(page, "trade-symbol", "reliance", "RELIANCE")
    page.wait_for_selector("#trade-suggestions", state="detached")
    page.wait_for_function("document.getElementById('trade-price').value !== ''")
    tab_to(page, by_id("trade-qty"))
    page.keyboard.type("5")
    tab_to(page, by_id("trade-note"))
    page.keyboard.type("entered by keyboard")
    page.keyboard.press("Enter")
    page.locator("#trade-notice", has_text="buy 5 RELIANCE").wait_for()
    page.wait_for_selector("#holding-RELIANCE")

    # an alert on the Alerts page
    open_page(page, "/alerts", "#alert-symbol")
    pick(page, "alert-symbol", "itc", "ITC")
    value = "e.getAttribute('aria-label') && e.getAttribute('aria-label').startsWith('Alert value')"
    tab_to(page, value)
    page.keyboard.press("Control+a")
    page.keyboard.type("99999")
    tab_to(page, by_id("alert-create"))
    page.keyboard.press("Enter")
    page.locator("#alerts-table tbody tr", has_text="ITC").wait_for()
    assert real_errors(page.errors) == []
