"""All configuration in one pydantic-settings object, read from STOCKAPP_* variables.

In development the JWT secret is generated once and kept in a git-ignored file, so tokens
survive restarts; with STOCKAPP_ENV=production the app refuses to start without a secret
of at least 32 bytes.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
MIN_SECRET_BYTES = 32


class InsecureSecretError(RuntimeError):
    """Raised at start-up in production when the JWT secret is missing or weak."""


def _own_origins() -> list[str]:
    """The app's own origins on the port it serves (PORT, default 3000)."""
    port = os.environ.get("PORT", "3000")
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STOCKAPP_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{PROJECT_DIR / 'stockapp.db'}"
    redis_url: str | None = None
    provider: Literal["simulated", "yahoo"] = "simulated"
    tick_interval: float = Field(1.0, gt=0.05, le=60)
    sim_seed: int = 42
    market_hours: Literal["always", "exchange"] = "always"
    # the simulated clock's starting instant (ISO 8601); unset = the machine's clock
    sim_start: datetime | None = None
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: _own_origins())
    jwt_secret: str | None = None
    jwt_secret_file: Path = PROJECT_DIR / ".secrets" / "jwt_secret"
    token_lifetime_minutes: int = Field(60 * 24, gt=0)
    # /ws limits (spec/api.md)
    ws_max_symbols: int = 200
    ws_max_message_bytes: int = 4096
    ws_rate_per_second: float = 20.0
    ws_rate_burst: int = 40
    ws_auth_timeout: float = 5.0
    ws_idle_timeout: float = 120.0
    ws_lag_ticks_before_close: int = 30
    # login throttling: per username (database), and per client IP (moving windows, e.g.
    # "20/minute;200/hour"), see stockapp/auth/throttle.py and docs/security.md
    login_max_failures: int = Field(5, ge=1)
    login_lockout_seconds: int = Field(60, ge=1)
    login_ip_limit: str = "20/minute;200/hour"
    register_ip_limit: str = "5/minute;30/hour"
    import_max_bytes: int = 5 * 1024 * 1024
    # paper trading: the virtual cash each user starts with (INR)
    paper_opening_balance: Decimal = Field(Decimal(1_000_000), gt=0, le=Decimal(10**12))
    # alert webhooks: private/loopback/link-local receivers refused unless this is set
    webhook_allow_private: bool = False

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip().rstrip("/") for v in value.split(",") if v.strip()]
        return value

    @field_validator("login_ip_limit", "register_ip_limit")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '20/minute;200/hour': {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        weak = not self.jwt_secret or len(self.jwt_secret.encode()) < MIN_SECRET_BYTES
        if self.env == "production" and weak:
            raise InsecureSecretError(
                "STOCKAPP_JWT_SECRET must be set to at least "
                f"{MIN_SECRET_BYTES} bytes when STOCKAPP_ENV=production"
            )
        return self

    def secret(self) -> str:
        """The JWT signing key; in development, created once and kept on disk."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.jwt_secret_file
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@cache
def get_settings() -> Settings:
    return Settings()
