"""Register and log in through the UI; the session survives a reload; log out works."""

from __future__ import annotations

import uuid

from tests.e2e.conftest import real_errors


def test_register_login_reload_logout(page):
    name, password = f"ui_{uuid.uuid4().hex[:8]}", "ui-password-1"
    page.goto("/register")
    page.fill("#username", name)
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.click("#register-submit")
    page.wait_for_selector("#nav-username")
    assert page.locator("#nav-username").inner_text() == name

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    page.fill("#username", name)
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    page.wait_for_selector("#auth-error")
    assert "Incorrect" in page.locator("#auth-error").inner_text()

    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector("#nav-username")
    page.reload()
    page.wait_for_selector("#nav-username")
    assert page.locator("#nav-username").inner_text() == name
    assert real_errors(page.errors) == []


def test_protected_page_redirects_to_login(page):
    page.goto("/watchlist")
    page.wait_for_url("**/login**")
