"""Reflex configuration. Every value can be overridden by REFLEX_* variables; the app's own
settings come from STOCKAPP_* (stockapp/settings.py)."""

import os

import reflex as rx

from stockapp.settings import get_settings

_settings = get_settings()
_redis = os.environ.get("REFLEX_REDIS_URL") or _settings.redis_url

config = rx.Config(
    app_name="stockapp",
    db_url=_settings.database_url,
    redis_url=_redis,
    # without Redis, session state lives in memory: no pickling to disk on every update
    state_manager_mode="redis" if _redis else "memory",
    cors_allowed_origins=_settings.allowed_origins,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=int(os.environ.get("PORT", "3000")),
    backend_port=int(os.environ.get("PORT", "3000")),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
