"""Reflex configuration. Every value can be overridden by REFLEX_* variables; the app's own
settings come from STOCKAPP_* (stockapp/settings.py)."""

import os

import reflex as rx

from stockapp.settings import get_settings

_settings = get_settings()
_redis = os.environ.get("REFLEX_REDIS_URL") or _settings.redis_url
_port = os.environ.get("PORT")

config = rx.Config(
    app_name="stockapp",
    db_url=_settings.database_url,
    redis_url=_redis,
    # without Redis, session state lives in memory: no pickling to disk on every update
    state_manager_mode="redis" if _redis else "memory",
    cors_allowed_origins=_settings.allowed_origins,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # one port for pages, Reflex's socket and the API (`reflex run --env prod`); set only
    # when PORT is given, so `reflex run --backend-only` keeps working
    **({"frontend_port": int(_port), "backend_port": int(_port)} if _port else {}),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
