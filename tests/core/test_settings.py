"""Settings: production refuses an insecure start; DATABASE_URL picks the database; the
`twinwise` command fronts Django's commands."""

import os
import subprocess
import sys

import pytest

PROD = "twinwise.settings.prod"


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    # Each test names the settings it means; CI's DATABASE_URL (PostgreSQL run) must not
    # leak into a child that checks the embedded SQLite default.
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("TWINWISE_") and k != "DATABASE_URL"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=60
    )


SETUP = "import django; django.setup(); from django.conf import settings; "


@pytest.mark.parametrize("secret", [None, "short", "dev-insecure-twinwise-key-change-me"])
def test_production_refuses_to_start_without_a_real_secret_key(secret, tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": PROD,
        "TWINWISE_ALLOWED_HOSTS": "example.org",
        "TWINWISE_DATA_DIR": str(tmp_path),
    }
    if secret:
        env["TWINWISE_SECRET_KEY"] = secret
    result = run_python(SETUP + "print('started')", **env)
    assert result.returncode != 0
    assert "TWINWISE_SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_key_and_secure_cookies(tmp_path):
    result = run_python(
        SETUP
        + "print(settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, settings.DEBUG)",
        DJANGO_SETTINGS_MODULE=PROD,
        TWINWISE_SECRET_KEY="k" * 50,
        TWINWISE_ALLOWED_HOSTS="example.org",
        TWINWISE_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "False"]


def test_database_url_switches_the_database(tmp_path):
    code = SETUP + "d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    pg = run_python(
        code,
        DJANGO_SETTINGS_MODULE="twinwise.settings.dev",
        DATABASE_URL="postgres://u@127.0.0.1:5432/tw",
        TWINWISE_DATA_DIR=str(tmp_path),
    )
    assert pg.stdout.split() == ["django.db.backends.postgresql", "tw"]
    lite = run_python(
        code,
        DJANGO_SETTINGS_MODULE="twinwise.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        TWINWISE_DATA_DIR=str(tmp_path),
    )
    assert lite.stdout.split() == ["django.db.backends.sqlite3", f"{tmp_path}/x.sqlite3"]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    code = SETUP + (
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], settings.DATABASES['default']['OPTIONS']['timeout'])"
    )
    result = run_python(
        code, DJANGO_SETTINGS_MODULE="twinwise.settings.dev", TWINWISE_DATA_DIR=str(tmp_path)
    )
    assert result.stdout.split() == ["wal", "20"], result.stderr


def test_the_twinwise_command_fronts_django(tmp_path):
    twinwise = os.path.join(os.path.dirname(sys.executable), "twinwise")
    env = {**os.environ, "TWINWISE_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [twinwise, "import", "--help"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0 and "partnerships" in result.stdout
    bad = subprocess.run(
        [twinwise, "import", "ponies", "x"], capture_output=True, text=True, env=env, timeout=60
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
