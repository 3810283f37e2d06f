"""The production settings pass Django's deployment checks; the console script works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kasipodaq.__main__ import command_line

ROOT = Path(__file__).resolve().parent.parent
_CARD_KEYS = '[{"id": "p1", "private": "pjnSHgKhVE0DDpN6sSm_rQzbdi4DBuqiYKGnphXQL_E"}]'


def _environment(**overrides: str) -> dict[str, str]:
    """This process's environment less what the browser tests set for themselves."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **overrides}


def _kasipodaq(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _python("-m", "kasipodaq", *args, **env)


def _python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_environment(**env),
        check=False,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = _kasipodaq(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        ALLOWED_HOSTS="union.example",
        DATABASE_URL="sqlite:///:memory:",
        KASIPODAQ_CARD_KEYS=_CARD_KEYS,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_card_keys() -> None:
    result = _kasipodaq(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        KASIPODAQ_CARD_KEYS="",
    )
    assert result.returncode != 0
    assert "KASIPODAQ_CARD_KEYS must be set" in result.stderr


_BAD_KEY = '[{"id": "k1", "private": "not-a-key"}]'


def test_a_malformed_card_key_fails_the_check() -> None:
    result = _kasipodaq(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL="sqlite:///:memory:",
        KASIPODAQ_CARD_KEYS=_BAD_KEY,
    )
    assert result.returncode != 0
    assert "kasipodaq.cards.E001" in result.stdout + result.stderr


def test_production_servers_refuse_to_start_with_a_malformed_card_key() -> None:
    """The WSGI application itself, which runs no system checks."""
    result = _python(
        "-c",
        "import config.wsgi",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        DATABASE_URL="sqlite:///:memory:",
        KASIPODAQ_CARD_KEYS=_BAD_KEY,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Key 'k1' is not a 32-byte Ed25519 seed" in result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in _environment().items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "kasipodaq", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_commands_are_typed_with_dashes() -> None:
    assert command_line(["kasipodaq", "create-token", "ann"]) == [
        "kasipodaq",
        "create_token",
        "ann",
    ]
    assert command_line(["kasipodaq", "--help"]) == ["kasipodaq", "--help"]


def test_the_embedded_default_makes_its_own_card_key_once(tmp_path: Path) -> None:
    """No two installs share a signing key, and one keeps its key across starts."""
    show = (
        "from django.conf import settings; "
        "print(settings.KASIPODAQ_CARD_KEYS[0]['private'])"
    )

    def key(data_dir: Path) -> str:
        result = subprocess.run(  # noqa: S603 (our own interpreter)
            [sys.executable, "-c", f"import django; django.setup(); {show}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=_environment(
                DJANGO_SETTINGS_MODULE="config.settings.local",
                KASIPODAQ_DATA_DIR=str(data_dir),
                KASIPODAQ_CARD_KEYS="",
            ),
            check=True,
        )
        return result.stdout.strip()

    first = key(tmp_path / "one")
    assert len(first) == 43
    assert key(tmp_path / "one") == first
    assert key(tmp_path / "two") != first
    assert (tmp_path / "one" / "card-keys.json").stat().st_mode & 0o077 == 0


def test_the_embedded_default_pays_by_card_through_its_own_simulator(
    tmp_path: Path,
) -> None:
    """Card payments go to the local simulator, with a secret of this install's."""
    show = (
        "import json; from django.conf import settings; "
        "print(json.dumps([settings.KASIPODAQ_CARD_PAYMENTS, "
        "settings.KASIPODAQ_PAYMENT_PROVIDER]))"
    )

    def provider(data_dir: Path) -> list[object]:
        result = subprocess.run(  # noqa: S603 (our own interpreter)
            [sys.executable, "-c", f"import django; django.setup(); {show}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=_environment(
                DJANGO_SETTINGS_MODULE="config.settings.local",
                KASIPODAQ_DATA_DIR=str(data_dir),
                KASIPODAQ_PAYMENT_PROVIDER="",
            ),
            check=True,
        )
        found: list[object] = json.loads(result.stdout)
        return found

    enabled, first = provider(tmp_path / "one")
    assert enabled is True
    assert isinstance(first, dict)
    assert first["api_url"] == "http://127.0.0.1:8100"
    assert len(first["api_secret"]) >= 32
    assert provider(tmp_path / "one")[1] == first
    assert provider(tmp_path / "two")[1] != first
    assert (tmp_path / "one" / "payment-simulator.json").stat().st_mode & 0o077 == 0
