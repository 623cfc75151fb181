"""Log-in and registration pages."""

from __future__ import annotations

import reflex as rx

from stockapp.components.card import page_stack
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState


def _card(title: str, form: rx.Component, footer: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.heading(title, size="6"),
                rx.cond(
                    AuthState.auth_error != "",
                    rx.callout(
                        AuthState.auth_error,
                        icon="triangle-alert",
                        color_scheme="red",
                        id="auth-error",
                    ),
                ),
                form,
                footer,
                spacing="4",
                width="100%",
            ),
            width="100%",
            max_width="380px",
        ),
        padding_top="10vh",
        padding_x="16px",
    )


def _field(label: str, name: str, type_: str = "text", **kw) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
        rx.input(name=name, id=name, type=type_, required=True, width="100%", **kw),
        spacing="1",
        width="100%",
    )


def _form(on_submit: rx.EventHandler, *children: rx.Component) -> rx.Component:
    return rx.form(page_stack(*children), on_submit=on_submit, width="100%")


def login_page() -> rx.Component:
    form = _form(
        AuthState.login,
        _field("Username", "username", auto_complete="username", auto_focus=True),
        _field("Password", "password", "password", auto_complete="current-password"),
        rx.button(
            "Log in", type="submit", width="100%", loading=AuthState.auth_busy, id="login-submit"
        ),
    )
    footer = rx.text("No account? ", rx.link("Register", href="/register"), size="2")
    return _card("Log in to stockapp", form, footer)


def register_page() -> rx.Component:
    form = _form(
        AuthState.register,
        _field("Username", "username", auto_complete="username", auto_focus=True),
        _field(
            "Password (8+ characters)",
            "password",
            "password",
            auto_complete="new-password",
            min_length=8,
        ),
        _field("Confirm password", "confirm", "password", auto_complete="new-password"),
        rx.button("Create account", type="submit", width="100%", id="register-submit"),
    )
    footer = rx.text("Have an account? ", rx.link("Log in", href="/login"), size="2")
    return _card("Create your account", form, footer)


ON_LOAD = [AuthState.check_login, AuthState.clear_error, ShellState.load]
