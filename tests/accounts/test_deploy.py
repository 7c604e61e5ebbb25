"""Django's deploy checks pass for the documented production settings, all given through the
environment; the HTTPS switch turns on secure cookies, redirects and HSTS."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOTLINE_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        {
            "HOTLINE_DEBUG": "0",
            "HOTLINE_SECRET_KEY": secrets.token_urlsafe(64),
            "HOTLINE_ALLOWED_HOSTS": "12345.jiangling.gov.cn",
            "HOTLINE_HTTPS": "1",
            "HOTLINE_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def hotline(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_passes_with_no_warning_for_the_documented_production_settings(
    tmp_path: Path,
) -> None:
    result = hotline(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deploy_check_warns_when_the_secret_key_does_not_come_from_the_environment(
    tmp_path: Path,
) -> None:
    result = hotline(
        production_env(tmp_path, HOTLINE_SECRET_KEY=None),
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode != 0 and "hotline.W001" in result.stderr


def test_the_deploy_check_warns_without_https(tmp_path: Path) -> None:
    result = hotline(production_env(tmp_path, HOTLINE_HTTPS="0"), "check", "--deploy")
    assert "security.W012" in result.stderr and "security.W008" in result.stderr


def _settings(env, *names) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_https_turns_on_secure_cookies_redirects_and_hsts(tmp_path: Path) -> None:
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    ]
    assert _settings(production_env(tmp_path), *names) == dict(
        zip(names, [True, True, True, 31536000, True, True], strict=True)
    )
    assert not any(_settings(production_env(tmp_path, HOTLINE_HTTPS="0"), *names).values())


def test_the_login_and_session_limits_come_from_the_environment(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        HOTLINE_LOGIN_FAILURES="3",
        HOTLINE_LOGIN_LOCKOUT_MINUTES="60",
        HOTLINE_SESSION_IDLE_MINUTES="10",
        HOTLINE_SESSION_MAX_HOURS="8",
        HOTLINE_TWO_FACTOR_ROLES="admin, supervisor",
        HOTLINE_TLS_PROXY="1",
    )
    assert _settings(
        env,
        "HOTLINE_LOGIN_FAILURES",
        "HOTLINE_LOGIN_LOCKOUT_MINUTES",
        "HOTLINE_SESSION_IDLE_MINUTES",
        "HOTLINE_SESSION_MAX_HOURS",
        "SESSION_COOKIE_AGE",
        "HOTLINE_TWO_FACTOR_ROLES",
        "SECURE_PROXY_SSL_HEADER",
    ) == {
        "HOTLINE_LOGIN_FAILURES": 3,
        "HOTLINE_LOGIN_LOCKOUT_MINUTES": 60,
        "HOTLINE_SESSION_IDLE_MINUTES": 10,
        "HOTLINE_SESSION_MAX_HOURS": 8,
        "SESSION_COOKIE_AGE": 8 * 3600,
        "HOTLINE_TWO_FACTOR_ROLES": ["admin", "supervisor"],
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
