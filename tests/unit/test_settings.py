"""Settings: defaults, env parsing, and the production secret guard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stockapp.settings import InsecureSecretError, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_production_refuses_missing_or_short_secret():
    with pytest.raises(InsecureSecretError):
        Settings(env="production", jwt_secret=None)
    with pytest.raises(InsecureSecretError):
        Settings(env="production", jwt_secret="short")
    assert Settings(env="production", jwt_secret="k" * 32).secret() == "k" * 32


def test_development_secret_is_generated_once_and_kept(tmp_path):
    path = tmp_path / "secret"
    first = Settings(jwt_secret=None, jwt_secret_file=path).secret()
    assert len(first) >= 32 and path.read_text().strip() == first
    assert Settings(jwt_secret=None, jwt_secret_file=path).secret() == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_env_parsing(monkeypatch):
    monkeypatch.setenv("STOCKAPP_ALLOWED_ORIGINS", "https://a.example, https://b.example/")
    monkeypatch.setenv("STOCKAPP_TICK_INTERVAL", "5")
    s = Settings()
    assert s.allowed_origins == ["https://a.example", "https://b.example"]
    assert s.tick_interval == 5.0


def test_app_refuses_to_start_in_production_without_secret(tmp_path):
    env = {
        "STOCKAPP_ENV": "production",
        "PATH": "/usr/bin:/bin",
        "STOCKAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    # rxconfig.py reads the settings first thing, so `reflex run` stops right there
    out = subprocess.run(
        [sys.executable, "-c", "import rxconfig"],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        cwd=str(ROOT),
    )
    assert out.returncode != 0 and "STOCKAPP_JWT_SECRET" in out.stderr
