"""Settings for hotline.

Everything that differs between machines comes from the environment:

- ``DATABASE_URL``: PostgreSQL (``postgres://user:pass@host:port/name``); unset means the
  embedded SQLite file ``$HOTLINE_VAR_DIR/hotline.sqlite3`` (default ``./var``).
- ``HOTLINE_SECRET_KEY``: required when ``HOTLINE_DEBUG`` is off and the process serves requests;
  a development key is generated under the var folder otherwise (for the demo: ``hotline check
  --deploy`` warns about it, hotline.W001). Secrets come only from the environment.
- ``HOTLINE_DEBUG``, ``HOTLINE_ALLOWED_HOSTS`` (comma separated).
- ``HOTLINE_HTTPS=1`` when the site is served over HTTPS: secure cookies, redirects to HTTPS, HSTS
  (``HOTLINE_HSTS_SECONDS``, default a year; ``HOTLINE_HSTS_PRELOAD=0`` leaves out ``preload``);
  ``HOTLINE_TLS_PROXY=1`` when a reverse proxy terminates TLS and sets ``X-Forwarded-Proto``;
  ``HOTLINE_CSRF_TRUSTED_ORIGINS`` (comma separated, e.g. ``https://12345.example.gov.cn``) when
  the proxy changes the host name; ``HOTLINE_TRUSTED_PROXIES`` (addresses or networks, comma
  separated) whose ``X-Forwarded-For`` names the client for login locks and rate limits.
- Logins: ``HOTLINE_LOGIN_FAILURES`` (5) failures of one username within
  ``HOTLINE_LOGIN_WINDOW_MINUTES`` (15) lock it for ``HOTLINE_LOGIN_LOCKOUT_MINUTES`` (15);
  ``HOTLINE_LOGIN_ADDRESS_FAILURES`` (20) do the same for one client address.
- Sessions: ``HOTLINE_SESSION_IDLE_MINUTES`` (30) without a request, ``HOTLINE_SESSION_MAX_HOURS``
  (12) after the login.
- ``HOTLINE_PASSWORD_MIN_LENGTH`` (10); ``HOTLINE_TWO_FACTOR_ROLES``: roles that must use two-factor
  login (comma separated, e.g. ``admin,supervisor``; none by default).

A production deployment sets at least ``HOTLINE_DEBUG=0``, ``HOTLINE_SECRET_KEY``,
``HOTLINE_ALLOWED_HOSTS`` and ``HOTLINE_HTTPS=1``; ``hotline check --deploy`` then reports nothing.
"""

import ipaddress
import json
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("HOTLINE_VAR_DIR", Path.cwd() / "var")).resolve()


def _env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("HOTLINE_SECRET_KEY"):
        return key
    # A per-installation key for the embedded setup, kept beside the SQLite file.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = _env_flag("HOTLINE_DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h for h in os.environ.get("HOTLINE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django-ninja's own templates and static files: the API docs page then serves Swagger UI from
    # here instead of a CDN (which the content security policy and closed networks would block).
    "ninja",
    "hotline.core",
    "hotline.org",
    "hotline.accounts",
    "hotline.catalog",
    "hotline.sla",
    "hotline.orders",
    "hotline.problems",
    "hotline.triage",
    "hotline.knowledge",
    "hotline.demo",
    "hotline.api",
    "hotline.open311",
    "hotline.notifications",
    "hotline.transfer",
    "hotline.web",
    "hotline.portal",
    "hotline.audit",
    "hotline.analytics",
    "hotline.benchmarks",
    "hotline.operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in an address or a query is refused first (PostgreSQL cannot compare text holding one).
    "hotline.core.middleware.refuse_nul",
    "hotline.core.middleware.content_security_policy",
    # outside every middleware that uses the database
    "hotline.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hotline.core.middleware.chinese_unless_chosen",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hotline.api.middleware.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hotline.accounts.sessions.session_expiry",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hotline.urls"
WSGI_APPLICATION = "hotline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    # Health checks: a connection kept across requests is tested before reuse, so after a database
    # restart a worker reconnects instead of failing one request per stale connection.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "hotline.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
                # instead of failing on a lock upgrade; WAL lets readers run beside a writer.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "hotline.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("HOTLINE_PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "hotline.accounts.passwords.CharacterKindsValidator", "OPTIONS": {"min_kinds": 2}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# --- Login, sessions, HTTPS (docs/security.md) -------------------------------------------------

# Failed logins (wrong password or two-factor code), counted in the database for every process.
HOTLINE_LOGIN_FAILURES = int(os.environ.get("HOTLINE_LOGIN_FAILURES", "5"))
HOTLINE_LOGIN_ADDRESS_FAILURES = int(os.environ.get("HOTLINE_LOGIN_ADDRESS_FAILURES", "20"))
HOTLINE_LOGIN_WINDOW_MINUTES = int(os.environ.get("HOTLINE_LOGIN_WINDOW_MINUTES", "15"))
HOTLINE_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("HOTLINE_LOGIN_LOCKOUT_MINUTES", "15"))
# Two-factor login (TOTP): the roles that must use it, and the name authenticator apps show.
HOTLINE_TWO_FACTOR_ROLES = [
    r.strip() for r in os.environ.get("HOTLINE_TWO_FACTOR_ROLES", "").split(",") if r.strip()
]
HOTLINE_TWO_FACTOR_ISSUER = "12345热线"

# A session ends after this long without a request, and this long after the login in any case
# (hotline/accounts/sessions.py checks both on every request). The cookie and the stored session
# live for the maximum age, so an idle session is still there to be ended with a message saying
# why; `hotline clearsessions` removes the stored ones past it.
HOTLINE_SESSION_IDLE_MINUTES = int(os.environ.get("HOTLINE_SESSION_IDLE_MINUTES", "30"))
HOTLINE_SESSION_MAX_HOURS = int(os.environ.get("HOTLINE_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = HOTLINE_SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

HOTLINE_HTTPS = _env_flag("HOTLINE_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HOTLINE_HTTPS
SECURE_SSL_REDIRECT = HOTLINE_HTTPS
SECURE_HSTS_SECONDS = (
    int(os.environ.get("HOTLINE_HSTS_SECONDS", "31536000")) if HOTLINE_HTTPS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HOTLINE_HTTPS
SECURE_HSTS_PRELOAD = HOTLINE_HTTPS and _env_flag("HOTLINE_HSTS_PRELOAD", True)
if _env_flag("HOTLINE_TLS_PROXY"):
    # Only behind a proxy that sets this header itself (and drops what clients send).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("HOTLINE_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
# Reverse proxies (addresses or networks, comma separated) whose X-Forwarded-For names the client
# for login locks and rate limits; without it every client behind a proxy shares its address.
HOTLINE_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("HOTLINE_TRUSTED_PROXIES", "").split(",") if p.strip()
]
for _proxy in HOTLINE_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"HOTLINE_TRUSTED_PROXIES: {_proxy!r} is not an address or a network"
        ) from None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The source strings are Chinese; locale/en holds their English.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded attachments; served only through the order's own view (never as public files).
MEDIA_ROOT = VAR_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "hotline": {"handlers": ["console"], "level": os.environ.get("HOTLINE_LOG_LEVEL", "INFO")}
    },
}

# --- Domain settings -----------------------------------------------------------------------

# Office hours of a working day, as (start, end) pairs in local time; working-hour deadlines
# count only inside them and "N working days" ends at the close of the last interval.
HOTLINE_OFFICE_HOURS = [("09:00", "12:00"), ("13:30", "17:30")]
# An overdue order is escalated to supervision (督办) this many hours after it was urged.
HOTLINE_ESCALATE_AFTER_HOURS = int(os.environ.get("HOTLINE_ESCALATE_AFTER_HOURS", "24"))
# A closed order may be reopened (重办) within this many days of closing.
HOTLINE_REOPEN_WINDOW_DAYS = 30


def _weights(name: str) -> dict[str, float] | None:
    """ "code=weight,code=weight" from the environment (checked against the rates in use)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        return {code.strip(): float(w) for code, w in (part.split("=") for part in text.split(","))}
    except ValueError:
        raise ValueError(
            f"{name} should read like 'first_contact_rate=0.2,resolution_rate=0.4', not {text!r}"
        ) from None


# The composite score's weights (综合得分) and the points per satisfaction grade (满意度得分);
# None: the defaults of hotline/analytics/rates.py.
HOTLINE_SCORE_WEIGHTS = _weights("HOTLINE_SCORE_WEIGHTS")
HOTLINE_SATISFACTION_POINTS = _weights("HOTLINE_SATISFACTION_POINTS")

# --- Notifications ----------------------------------------------------------------------------

# The address citizens' links point to (tracking, satisfaction survey).
HOTLINE_PUBLIC_URL = os.environ.get("HOTLINE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

_NOTIFY = "hotline.notifications.backends."
_SMS_BACKENDS: dict[str, dict[str, Any]] = {
    "file": {
        "BACKEND": _NOTIFY + "FileBackend",
        "OPTIONS": {"path": VAR_DIR / "outbox" / "sms.jsonl"},
    },
    "console": {"BACKEND": _NOTIFY + "ConsoleBackend"},
    "http": {
        "BACKEND": _NOTIFY + "HttpSmsBackend",
        "OPTIONS": {
            # e.g. https://sms.example.gov.cn/send
            # with fields {"mobile": "{phone}", "content": "{text}"}
            "url": os.environ.get("HOTLINE_SMS_GATEWAY_URL", ""),
            "method": os.environ.get("HOTLINE_SMS_GATEWAY_METHOD", "POST"),
            **(
                {"data": json.loads(f)}
                if (f := os.environ.get("HOTLINE_SMS_GATEWAY_FIELDS"))
                else {}
            ),
            "headers": {"Authorization": a}
            if (a := os.environ.get("HOTLINE_SMS_GATEWAY_AUTH"))
            else {},
        },
    },
}
_EMAIL_BACKENDS: dict[str, dict[str, Any]] = {
    "file": {
        "BACKEND": _NOTIFY + "FileBackend",
        "OPTIONS": {"path": VAR_DIR / "outbox" / "email.jsonl"},
    },
    "console": {"BACKEND": _NOTIFY + "ConsoleBackend"},
    "smtp": {"BACKEND": _NOTIFY + "SmtpBackend"},  # EMAIL_HOST, EMAIL_PORT, … below
}
# Per channel: HOTLINE_SMS_BACKEND=file|console|http, HOTLINE_EMAIL_BACKEND=file|console|smtp.
HOTLINE_NOTIFY_BACKENDS: dict[str, dict[str, Any]] = {
    "sms": _SMS_BACKENDS[os.environ.get("HOTLINE_SMS_BACKEND", "file")],
    "email": _EMAIL_BACKENDS[os.environ.get("HOTLINE_EMAIL_BACKEND", "file")],
}
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "12345@localhost")

# --- Data lifecycle: retention of personal data (docs/operations.md) ------------------------------

# Finished orders (closed, merged, cancelled) lose their caller's personal data this many days
# after they finished (`hotline retention`, and the worker once a day); 0 keeps it forever. The
# statistics stay. Must be 0 or longer than the reopen window (HOTLINE_REOPEN_WINDOW_DAYS).
HOTLINE_RETENTION_DAYS = int(os.environ.get("HOTLINE_RETENTION_DAYS", "1095"))
# pg_dump / pg_restore: from this folder only when set; otherwise the server's own version under
# /usr/lib/postgresql/*/bin, then PATH.
HOTLINE_PG_BIN = os.environ.get("HOTLINE_PG_BIN", "")

# --- Hostile input: rate limits and request sizes ---------------------------------------------

# Requests per client in fixed windows, "LIMIT/SECONDS", counted in the database (shared by every
# worker). The portal counts per client address; Open311 POST per address and per api_key.
HOTLINE_RATE_LIMITS = {
    "portal.submit": os.environ.get("HOTLINE_RATE_PORTAL_SUBMIT", "5/3600"),
    "portal.lookup": os.environ.get("HOTLINE_RATE_PORTAL_LOOKUP", "20/600"),
    "open311.post.address": os.environ.get("HOTLINE_RATE_OPEN311_POST_ADDRESS", "60/600"),
    "open311.post.key": os.environ.get("HOTLINE_RATE_OPEN311_POST_KEY", "600/3600"),
}

# Request sizes. A form's fields (everything but its files) may take DATA_UPLOAD_MAX_MEMORY_SIZE
# bytes; a whole multipart request HOTLINE_MAX_REQUEST_BYTES (default: five 5 MB attachments and
# room for the fields), refused before it is read; files above FILE_UPLOAD_MAX_MEMORY_SIZE go to
# a temporary file rather than memory. Past any of these Django answers 400 (400.html; Open311
# answers 413 in its error format). The
# front server (nginx client_max_body_size) should allow at least HOTLINE_MAX_REQUEST_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("HOTLINE_MAX_FORM_BYTES", 2_621_440))
HOTLINE_MAX_REQUEST_BYTES = int(os.environ.get("HOTLINE_MAX_REQUEST_BYTES", 27 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# More than twice the attachments an action takes (5) is no honest form; 500 fields is many
# times the largest form here (a list page's checkboxes included).
DATA_UPLOAD_MAX_NUMBER_FILES = 10
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
FILE_UPLOAD_HANDLERS = [
    "hotline.orders.attachments.RequestSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
