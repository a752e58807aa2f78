"""SalesDesk settings.

With no environment at all everything runs embedded (SQLite and a file-system
Celery broker under ``var/``, console email, DEBUG on with a generated dev
secret), so ``make run`` works on a bare machine. ``DATABASE_URL``,
``REDIS_URL`` and ``EMAIL_URL`` switch to PostgreSQL, Redis and SMTP.
See ``.env.example`` for every variable.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from salesdesk.config import (
    env_bool,
    env_int,
    env_list,
    env_percent,
    env_str,
    parse_rate,
    parse_working_hours,
    redis_url_for_test_worker,
)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (see .env.example) is read if present; real environment variables win.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env_str("SALESDESK_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=True)


def _dev_secret_key() -> str:
    """A per-checkout secret for development, kept in var/ so sessions survive restarts."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


_secret = env_str("SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    _secret = _dev_secret_key()
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# JSON under /api/, the page elsewhere.
CSRF_FAILURE_VIEW = "web.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "salesdesk",
    "accounts",
    "partners",
    "orders",
    "sales_queue",
    "billing",
    "crm",
    "notifications",
    "quality",
    "stats",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "web.middleware.NotFoundPageMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "salesdesk.wsgi.application"
ASGI_APPLICATION = "salesdesk.asgi.application"

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
                "django.template.context_processors.i18n",
                "web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: WAL lets readers run beside the writer, and
    # IMMEDIATE transactions take the write lock up front instead of failing mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 60, minimum=0))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Behind PgBouncer in transaction mode (README, "Running at scale") a server-side cursor
    # (``.iterator()``) would outlive the transaction that owns its server connection.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DATABASE_PGBOUNCER", default=False
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Redis: cache and Celery broker ---------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # The test suite in several processes (pytest-xdist): each on a Redis database of its own.
    REDIS_URL = redis_url_for_test_worker(REDIS_URL, env_str("PYTEST_XDIST_WORKER") or "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache sharing one client per pool (salesdesk.cache).
            "BACKEND": "salesdesk.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Redis unreachable (a host gone, not just a refused port) costs a request a second
            # at most: the cache holds only rate-limit counts, which are skipped then.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_CONNECTION_TIMEOUT = 2
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": 3600,
        # Publishing gives up after one quick retry (~0.3 s) instead of kombu's default of
        # several seconds: a task enqueued from a request must not hold the request while
        # Redis is down (the outbox's periodic job sends what could not be enqueued).
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        "socket_connect_timeout": 2,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # A host name, though the transport ignores it: without one kombu warns "No hostname was
    # supplied" on every connection (several lines per `make run`).
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (worker control) messages; kombu's default is ./control in the cwd.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

CELERY_TIMEZONE = "Europe/Moscow"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT - 30)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# What a task prints (the console email backend's messages) is logged as INFO, not WARNING.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic jobs; each app's issue adds its own entry (deadlines live in the database).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
# CELERY_TIMEZONE is Moscow: the month just over is closed at 00:10 on the 1st, after the
# payments of its last minutes have committed.
CELERY_BEAT_SCHEDULE["billing-close-statements"] = {
    "task": "billing.tasks.close_statements_task",
    "schedule": crontab(minute="10", hour="0", day_of_month="1"),
}
# The grace-period sweep; a run that waited longer than one interval is dropped (the next
# one does the same work).
SWEEP_INTERVAL_SECONDS = env_int("SWEEP_INTERVAL_SECONDS", 30, minimum=1)
CELERY_BEAT_SCHEDULE["sweep-queue"] = {
    "task": "sales_queue.tasks.sweep_queue_task",
    "schedule": float(SWEEP_INTERVAL_SECONDS),
    "options": {"expires": float(SWEEP_INTERVAL_SECONDS)},
}
# An order older than this (from its created_at) when the sweep runs is not queued: a backlog
# must not flood the managers (DESIGN.md, "Grace period").
SALES_MAX_ORDER_AGE_DAYS = env_int("SALES_MAX_ORDER_AGE_DAYS", 14, minimum=1)
# Active items untouched for SALES_AUTO_RELEASE_MINUTES go back to the queue.
CELERY_BEAT_SCHEDULE["queue-auto-release"] = {
    "task": "sales_queue.tasks.auto_release_task",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
# The outbox (notifications): due messages, retries and rows a dead worker left behind.
CELERY_BEAT_SCHEDULE["notifications-deliver-pending"] = {
    "task": "notifications.tasks.deliver_pending_task",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
# Stale-deal reminders (crm.reminders), once a minute; the outbox's unique keys keep a
# reminder from going out twice even when two runs overlap.
CELERY_BEAT_SCHEDULE["crm-stale-deal-reminders"] = {
    "task": "crm.tasks.stale_deal_reminders_task",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
# Alerts (issue 13): alignment-call reminders, due callbacks and response-time breaches once a
# minute; the head's digest after closing time (below, with the working hours). Each alert has
# a unique key, so overlapping runs send nothing twice.
CELERY_BEAT_SCHEDULE["partners-call-reminders"] = {
    "task": "partners.tasks.call_reminders_task",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
CELERY_BEAT_SCHEDULE["queue-callbacks-due"] = {
    "task": "sales_queue.tasks.callbacks_due_task",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
CELERY_BEAT_SCHEDULE["queue-response-breaches"] = {
    "task": "sales_queue.tasks.response_breaches_task",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
# The manager statistics' daily rollup (stats.rollup): past days changed since, then days not
# rolled up yet; a run that waited longer than its interval is dropped.
CELERY_BEAT_SCHEDULE["stats-rollup"] = {
    "task": "stats.tasks.rollup_task",
    "schedule": 300.0,
    "options": {"expires": 300.0},
}
# Quality assurance's daily sample (quality.services.qa_sample_day): the touches of the Moscow
# day just over, picked at 00:20 (CELERY_TIMEZONE is Moscow); a rerun picks nothing more.
CELERY_BEAT_SCHEDULE["quality-daily-sample"] = {
    "task": "quality.tasks.qa_sample_task",
    "schedule": crontab(minute="20", hour="0"),
    "options": {"expires": 3600.0},
}
# CSV import of leads (crm.lead_import): the largest file and the most rows taken; rows go in
# batches of LEAD_IMPORT_BATCH_SIZE, each its own transaction; one task run works for at most
# LEAD_IMPORT_TASK_SECONDS (well inside CELERY_TASK_TIME_LIMIT) and hands the rest to the next
# run; a running import whose progress has not moved for LEAD_IMPORT_STALL_MINUTES (its worker
# died) may be resumed from its page.
LEAD_IMPORT_MAX_BYTES = env_int("LEAD_IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
LEAD_IMPORT_MAX_ROWS = env_int("LEAD_IMPORT_MAX_ROWS", 50_000, minimum=1)
LEAD_IMPORT_BATCH_SIZE = env_int("LEAD_IMPORT_BATCH_SIZE", 500, minimum=1)
LEAD_IMPORT_TASK_SECONDS = env_int("LEAD_IMPORT_TASK_SECONDS", 120, minimum=1)
LEAD_IMPORT_STALL_MINUTES = env_int("LEAD_IMPORT_STALL_MINUTES", 5, minimum=1)
# Tests run tasks inline unless they exercise the broker on purpose.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Email ----------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    # Decoded subjects and text instead of raw MIME (base64 Cyrillic) in `make run`'s output.
    EMAIL_BACKEND = "salesdesk.mail.ConsoleEmailBackend"
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(_email.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
# smtp+tls:// turns on STARTTLS, smtp+ssl:// implicit TLS (django-environ's schemes).
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
if _email.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SalesDesk <noreply@salesdesk.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in emails are absolute: the site's address as its users reach it.
SITE_URL = (env_str("SITE_URL", "http://localhost:8000") or "").rstrip("/")

# --- Notifications (the outbox) -------------------------------------------------------------
# Attempts before a message is marked failed; the wait after the n-th failure is
# base × 2^(n-1) seconds (1, 2, 4, 8, 16 minutes by default), at most the cap.
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 6, minimum=1)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 60, minimum=1)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600, minimum=1)
# A row still "sending" this long after its claim was left by a worker that died.
NOTIFICATIONS_SENDING_TIMEOUT_SECONDS = env_int(
    "NOTIFICATIONS_SENDING_TIMEOUT_SECONDS", 600, minimum=60
)

# --- Telegram (a notification channel; notifications.telegram) -------------------------------
# No token: the channel is off and hidden from the pages.
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "") or ""
TELEGRAM_API_BASE = (env_str("TELEGRAM_API_BASE", "https://api.telegram.org") or "").rstrip("/")
# The bot's username without "@", for the https://t.me/<bot>?start=<code> link.
TELEGRAM_BOT_NAME = (env_str("TELEGRAM_BOT_NAME", "") or "").lstrip("@")
TELEGRAM_TIMEOUT_SECONDS = env_int("TELEGRAM_TIMEOUT_SECONDS", 10, minimum=1)
# Set when Telegram calls /telegram/webhook/<secret>/ (setWebhook with this secret_token too);
# empty: the beat job below asks getUpdates instead.
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET", "") or ""
TELEGRAM_POLL_SECONDS = env_int("TELEGRAM_POLL_SECONDS", 10, minimum=1)
TELEGRAM_LINK_CODE_MINUTES = env_int("TELEGRAM_LINK_CODE_MINUTES", 30, minimum=1)
if TELEGRAM_BOT_TOKEN and not TELEGRAM_WEBHOOK_SECRET:
    CELERY_BEAT_SCHEDULE["notifications-telegram-poll"] = {
        "task": "notifications.tasks.telegram_poll_task",
        "schedule": float(TELEGRAM_POLL_SECONDS),
        "options": {"expires": float(TELEGRAM_POLL_SECONDS)},
    }

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one account, or
# from one address, logging in is paused for LOGIN_LOCKOUT_MINUTES (the password is not even
# checked meanwhile, so a guessing loop costs no hashing); a success clears the count. The
# address is REMOTE_ADDR: behind a proxy, the proxy must pass the client's address there.
# API keys and tokens are not passwords and are not counted.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "web.accounts.views.login_locked_out"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Self sign-up (web.accounts.signup): the confirmation link works this many days; an
# invitation to a team (accounts.Invitation) this many; and sign-ups (and requests for a new
# confirmation link) from one address are limited to SIGNUP_RATE_LIMIT ("N/second|minute|hour|
# day"), counted in the cache (shared through Redis when REDIS_URL is set).
EMAIL_CONFIRMATION_DAYS = env_int("EMAIL_CONFIRMATION_DAYS", 3, minimum=1)
INVITATION_DAYS = env_int("INVITATION_DAYS", 7, minimum=1)
SIGNUP_RATE_LIMIT = parse_rate("SIGNUP_RATE_LIMIT", env_str("SIGNUP_RATE_LIMIT", "10/hour") or "")
# The public lead form (POST /forms/<token>/, web.crm.lead_form_views): posts per client address
# and per lead list ("N/second|minute|hour|day"; one more is a 429 with Retry-After), counted in
# the cache like the sign-up limit; and the largest body it reads (bigger is a 413 unread).
LEAD_FORM_RATE_LIMIT_PER_IP = parse_rate(
    "LEAD_FORM_RATE_LIMIT_PER_IP", env_str("LEAD_FORM_RATE_LIMIT_PER_IP", "20/hour") or ""
)
LEAD_FORM_RATE_LIMIT_PER_LIST = parse_rate(
    "LEAD_FORM_RATE_LIMIT_PER_LIST", env_str("LEAD_FORM_RATE_LIMIT_PER_LIST", "300/hour") or ""
)
LEAD_FORM_MAX_BODY_BYTES = env_int("LEAD_FORM_MAX_BODY_BYTES", 16 * 1024, minimum=1024)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18n / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

SALES_WORKING_HOURS = parse_working_hours(env_str("SALES_WORKING_HOURS", "09:00-21:00") or "")
# The queue's rules (DESIGN.md, "The queue"): retry after no answer, attempts before the item
# is lost as unreachable (once every allowed channel was tried), an active item untouched this
# long returns to the queue, and how many unanswered touches in a row on one channel make the
# next touch there a 409 switch_channel.
SALES_RETRY_DELAY_MINUTES = env_int("SALES_RETRY_DELAY_MINUTES", 30, minimum=0)
SALES_MAX_ATTEMPTS = env_int("SALES_MAX_ATTEMPTS", 6, minimum=1)
SALES_AUTO_RELEASE_MINUTES = env_int("SALES_AUTO_RELEASE_MINUTES", 60, minimum=1)
# An order waiting in the queue untaken longer than this (working minutes) alerts the heads.
SALES_RESPONSE_SLA_MINUTES = env_int("SALES_RESPONSE_SLA_MINUTES", 60, minimum=1)
# The head's digest after closing time: 15 minutes after the working hours end, at the latest
# 23:50 (WorkingHours.after_closing, which stats.digest reads too).
_digest_at = SALES_WORKING_HOURS.after_closing()
CELERY_BEAT_SCHEDULE["stats-head-digest"] = {
    "task": "stats.tasks.head_digest_task",
    "schedule": crontab(minute=str(_digest_at.minute), hour=str(_digest_at.hour)),
    "options": {"expires": 3600.0},
}
SALES_CHANNEL_SWITCH_AFTER = env_int("SALES_CHANNEL_SWITCH_AFTER", 3, minimum=1)
# How often the workspace asks whether the held order is still the manager's (paid, taken away).
SALES_WORKSPACE_POLL_SECONDS = 10
# A manager's commission: this percent of the paid revenue of their deals, unless the head set
# the manager's own rate (stats.CommissionRate).
SALES_COMMISSION_PERCENT = env_percent("SALES_COMMISSION_PERCENT", Decimal("5"))
# Team mode split: an account manager's follow-up with a client, this many days after a won deal.
SALES_FOLLOW_UP_DAYS = env_int("SALES_FOLLOW_UP_DAYS", 7, minimum=1)

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (production) ------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Browsers keep to https for a year once they have seen the site over it (the proxy
    # terminates TLS; SECURE_HSTS_SECONDS=0 switches it off, e.g. while trying a new domain).
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from this site — no inline scripts or
# handlers (pages declare behaviour with data attributes, static/js/site.js); inline styles are
# allowed (style attributes in the templates, htmx's indicator style); no frames, plugins or
# foreign form targets. JSON data blocks (<script type="application/json">) are not scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        # Call recordings on QA's review page are https links to the telephony's storage.
        "media-src": [SELF, "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# A JSON body larger than this is refused with 413 before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024, minimum=1024)
# The shipped server (gunicorn.conf.py, salesdesk/asgi_guard.py) reads each body completely
# before Django sees it: larger than this (any request, uploads included) is a 413 unread; one
# still incomplete this many seconds after its headers is a 408. Slow clients hold no worker.
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 20 * 1024 * 1024, minimum=1024)
REQUEST_BODY_TIMEOUT_SECONDS = env_int("REQUEST_BODY_TIMEOUT_SECONDS", 30, minimum=1)

# --- REST API -------------------------------------------------------------------------------
# The deepest JSON a request may nest (arrays and objects); deeper is a 400, never a 500.
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 20, minimum=2)

# Requests one API caller (a key, a token, a signed-in user, else an address) may make:
# "<n>/<second|minute|hour|day>"; one more is a 429 with Retry-After (web.throttling).
API_RATE_LIMIT: str = env_str("API_RATE_LIMIT") or "1200/minute"
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", API_RATE_LIMIT):
    raise ImproperlyConfigured(
        f"API_RATE_LIMIT={API_RATE_LIMIT!r}: expected <requests>/<second|minute|hour|day>, "
        "e.g. 1200/minute."
    )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["salesdesk.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "web.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "salesdesk.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "web.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["web.throttling.ApiClientRateThrottle"],
    # The proxies in front that append to X-Forwarded-For (0: the client's address is
    # REMOTE_ADDR), for the rate limit of callers without a key.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0, minimum=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(  # type: ignore[attr-defined]
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "SalesDesk API",
    "DESCRIPTION": (
        "Storefront integration and staff API of SalesDesk. Authenticate with "
        "`Authorization: Bearer <key>`: a partner API key or a staff personal token. "
        'Errors are JSON `{"code", "message", "details"}` with a 4xx status.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choice sets that share a field name get names of their own instead of "Reason287Enum".
    "ENUM_NAME_OVERRIDES": {
        "RefusalReasonEnum": "partners.models.RefusalReason",
        "LostReasonEnum": "sales_queue.models.LostReason",
        # The allowed channels and the priority channel share one enum.
        "ChannelsEnum": "partners.models.Channel",
        # An order's status appears in the orders API and in a contact's orders: one enum,
        # under the name it had before contacts.
        "OrderOutputStatusEnum": "orders.models.Order.Status",
        # A deal's status appears in the deals API and in a contact's deals.
        "DealStatusEnum": "crm.models.Deal.Status",
    },
    # Swagger UI served from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = (env_str("LOG_LEVEL", "INFO") or "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "salesdesk": {"level": LOG_LEVEL},
        "accounts": {"level": LOG_LEVEL},
        "partners": {"level": LOG_LEVEL},
        "orders": {"level": LOG_LEVEL},
        "sales_queue": {"level": LOG_LEVEL},
        "billing": {"level": LOG_LEVEL},
        "crm": {"level": LOG_LEVEL},
        "notifications": {"level": LOG_LEVEL},
        "django.request": {"level": "ERROR"},
    },
}
