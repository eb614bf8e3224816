"""Django settings, read from the environment (12-factor), with safe demo defaults.

DATABASE_URL picks the database (SQLite under ./var by default, PostgreSQL when set);
REDIS_URL turns on the Redis claim gate for vouchers; DEBUG=1 for development only.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("POLICYLEDGER_VAR", Path.cwd() / "var")).resolve()


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEBUG = envbool("DEBUG", False)
# The public default key, usable only with DEBUG on: anyone who knows it can forge sessions and
# resident tokens. With DEBUG off the app refuses to start on it (see _require_real_keys).
# `policyledger demo` sets POLICYLEDGER_DEMO=1 and gets a random key kept under VAR_DIR.
INSECURE_SECRET_KEY = "policyledger-demo-insecure-key-set-SECRET_KEY"
DEMO = envbool("POLICYLEDGER_DEMO", False)


def _demo_key(name: str) -> str:
    """A random key made once per demo installation and kept in VAR_DIR (not in the source)."""
    import secrets

    path = VAR_DIR / f".{name}"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key)
        return key


SECRET_KEY = os.environ.get("SECRET_KEY") or (
    _demo_key("secret_key") if DEMO else INSECURE_SECRET_KEY
)
# Voucher codes carry an HMAC tag made with VOUCHER_SIGNING_KEY (not SECRET_KEY), so either can
# be rotated alone. To rotate: put the new key in VOUCHER_SIGNING_KEY and the old one(s) in
# VOUCHER_SIGNING_OLD_KEYS (comma-separated): codes already issued keep verifying, new codes use
# the new key. The lottery's committed seeds are derived from the same keys (see
# vouchers/services/lottery.py). Unset with DEBUG on: derived from SECRET_KEY (development only).
VOUCHER_SIGNING_KEY = os.environ.get("VOUCHER_SIGNING_KEY") or (
    _demo_key("voucher_signing_key") if DEMO else ""
)
VOUCHER_SIGNING_OLD_KEYS = [
    k.strip() for k in os.environ.get("VOUCHER_SIGNING_OLD_KEYS", "").split(",") if k.strip()
]


def _require_real_keys() -> None:
    from django.core.exceptions import ImproperlyConfigured

    if SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "DEBUG is off but SECRET_KEY is the public default (or shorter than 32 characters): "
            "set a random SECRET_KEY in the environment. "
            "未设置 SECRET_KEY 或仍为公开的默认值，拒绝启动：请在环境变量中设置随机的 SECRET_KEY"
            "（至少 32 个字符）。"
        )
    if not VOUCHER_SIGNING_KEY or VOUCHER_SIGNING_KEY == SECRET_KEY:
        raise ImproperlyConfigured(
            "DEBUG is off but VOUCHER_SIGNING_KEY is not set (or equals SECRET_KEY): set its own "
            "random key. 未设置 VOUCHER_SIGNING_KEY（或与 SECRET_KEY 相同），拒绝启动：请为券码签名"
            "设置单独的随机密钥。"
        )


if not DEBUG:
    _require_real_keys()
ALLOWED_HOSTS = [
    h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    # For the API docs page's bundled Swagger UI (no CDN: the CSP allows only our own scripts).
    "ninja",
    "axes",
    "policyledger.web.core",
    "policyledger.web.accounts",
    "policyledger.web.documents",
    "policyledger.web.tracking",
    "policyledger.web.vouchers",
    "policyledger.web.subsidies",
    "policyledger.web.lineage",
    "policyledger.web.monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "policyledger.web.accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "policyledger.web.urls"
WSGI_APPLICATION = "policyledger.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "policyledger.web.accounts.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'policyledger.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Test runs in parallel (several engineers, CI and a bench on one server) must not share or
    # drop each other's test database, so each process gets its own.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and task workers read while one writes; the timeout makes a
    # second writer wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Django's rules, with Chinese messages (accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"policyledger.web.accounts.passwords.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Paths that answer for themselves (token auth, JSON 401) instead of redirecting to the login page.
LOGIN_EXEMPT_PREFIXES = ["/api/", "/static/"]
# What a signed-in user without a platform role (a resident, a merchant's clerk) may open; every
# other page is for staff only (403). The voucher administration pages check their own right, and
# the Django admin its is_staff flag.
NON_STAFF_PREFIXES = [
    "/vouchers/",
    # Subsidies: applicants' own pages and the public ones (the officers' pages under
    # /subsidies/manage/ stay staff-only; their views check the officer's right as well).
    "/subsidies/calculator/",
    "/subsidies/notices/",
    "/subsidies/register/",
    "/subsidies/mine/",
    "/subsidies/apply/",
    "/subsidies/a/",
    "/subsidies/material/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/",
    "/admin/",
    "/static/",
    "/api/",
]

# Pages a user without a platform role may open by their exact path (the subsidies calculator).
NON_STAFF_PATHS = ["/subsidies/"]

# API tokens: lifetime in days, chosen at creation (default and the most allowed).
API_TOKEN_DAYS = envint("API_TOKEN_DAYS", 90)
API_TOKEN_MAX_DAYS = envint("API_TOKEN_MAX_DAYS", 365)

# Brute-force lockout (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
# Lock a username+IP pair, and also the username whatever the address (an attacker spreading
# guesses over many addresses); the lockout page says so in Chinese.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
# The client's address for lockouts and rate limits: X-Forwarded-For only from a trusted proxy.
AXES_CLIENT_IP_CALLABLE = "policyledger.web.clientip.request_ip"
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated in
# the environment); none by default, so a client cannot choose the address it is counted under.
TRUSTED_PROXIES = [p for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"

LANGUAGE_CODE = "zh-hans"
# The only language offered: with Django's default list, a browser asking for English got
# Django's own messages (form errors) in English.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads live outside any static path and are served only through views that check rights.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "uploads"))
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
MAX_ATTACHMENT_BYTES = envint("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# Zip containers (xlsx, docx) are checked before they are opened: what they declare uncompressed
# and how many parts they hold (a few-kilobyte "zip bomb" can expand to gigabytes).
MAX_UNCOMPRESSED_BYTES = envint("MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)
MAX_ZIP_MEMBERS = envint("MAX_ZIP_MEMBERS", 1000)
# Document import: the most pages of a PDF that are read.
MAX_PDF_PAGES = envint("MAX_PDF_PAGES", 300)

# Tracking: a task is 临期 when its deadline is this many days away or fewer; a cycle's report is
# 未按期报送 once this many days have passed after the cycle's end.
WARNING_DAYS = envint("WARNING_DAYS", 15)
REPORT_GRACE_DAYS = envint("REPORT_GRACE_DAYS", 5)
# Local time at which the worker runs the daily warning job.
WARNING_HOUR = envint("WARNING_HOUR", 6)
# A 通报 describes its period as of the period's end: what was published, submitted or accepted
# later does not count. The office may count this many more days after the end (settled late).
BRIEFING_CLOSE_DAYS = envint("BRIEFING_CLOSE_DAYS", 0)
# 催报: a unit still late this many days after its first reminder is escalated to its leader contact.
ESCALATE_AFTER_DAYS = envint("ESCALATE_AFTER_DAYS", 7)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "policyledger@localhost")

REDIS_URL = os.environ.get("REDIS_URL", "")

# Security headers; the strict ones only where the site is served over HTTPS.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the pages' fetch() calls read it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and envbool("HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "policyledger": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    },
}

# Vouchers: the claim lock may be switched off only by the control test and the benchmark's
# naive baseline; the gate uses REDIS_URL when set; rate limits are per minute, 0 = off.
VOUCHERS_CLAIM_LOCKING = envbool("VOUCHERS_CLAIM_LOCKING", True)
VOUCHERS_GATE = envbool("VOUCHERS_GATE", True)
VOUCHERS_GATE_RESERVATION_MS = envint("VOUCHERS_GATE_RESERVATION_MS", 30_000)
VOUCHERS_RATE_USER_PER_MIN = envint("VOUCHERS_RATE_USER_PER_MIN", 20)
VOUCHERS_RATE_IP_PER_MIN = envint("VOUCHERS_RATE_IP_PER_MIN", 600)
# How long a claim waits for the campaign's row lock before answering "try again".
VOUCHERS_CLAIM_LOCK_TIMEOUT_MS = envint("VOUCHERS_CLAIM_LOCK_TIMEOUT_MS", 5000)
# Take the client address from X-Forwarded-For (only behind a proxy that sets it).
# How long a process keeps a campaign's claim rules in memory (seconds).
VOUCHERS_CAMPAIGN_CACHE_S = float(os.environ.get("VOUCHERS_CAMPAIGN_CACHE_S", "1.0"))
# The async claim path (vouchers/claim_asgi.py): connections per worker process. Few are
# better than many: claims of one batch meet on its counter row, so more concurrent
# transactions only queue there (and each holds a PostgreSQL backend).
VOUCHERS_ASYNC_DB_POOL = envint("VOUCHERS_ASYNC_DB_POOL", 4)
VOUCHERS_ASYNC_REDIS_POOL = envint("VOUCHERS_ASYNC_REDIS_POOL", 16)
# The most claims the async path sends to PostgreSQL in one call (migration 0004).
VOUCHERS_ASYNC_CLAIM_BATCH = envint("VOUCHERS_ASYNC_CLAIM_BATCH", 32)

# Refunds: a redemption can be refunded only within this many hours of it, and never once its
# day is in a settlement (see services/redemption.refund). 0 = same calendar day only.
VOUCHERS_REFUND_WINDOW_HOURS = envint("VOUCHERS_REFUND_WINDOW_HOURS", 0)

# Subsidies (政策兑现): the budget guard may be switched off only by the control test; ID numbers
# are stored as HMAC-SHA256 with this key (set it in production; changing it orphans the hashes);
# 公示 skips weekends and these holidays (ISO dates, comma-separated), counts these make-up days.
SUBSIDIES_BUDGET_GUARD = True  # not read from the environment: no deployment may turn it off
SUBSIDIES_ID_HMAC_KEY = os.environ.get("SUBSIDIES_ID_HMAC_KEY") or ("subsidies-id:" + SECRET_KEY)
SUBSIDIES_HOLIDAYS = [d for d in os.environ.get("SUBSIDIES_HOLIDAYS", "").split(",") if d]
SUBSIDIES_MAKEUP_WORKDAYS = [
    d for d in os.environ.get("SUBSIDIES_MAKEUP_WORKDAYS", "").split(",") if d
]
SUBSIDIES_MAX_MATERIAL_BYTES = envint("SUBSIDIES_MAX_MATERIAL_BYTES", 10 * 1024 * 1024)
SUBSIDIES_MAX_MATERIALS = envint("SUBSIDIES_MAX_MATERIALS", 10)
