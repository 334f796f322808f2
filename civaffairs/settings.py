"""One settings file, driven by the environment.

Local use needs nothing set: SQLite under var/, DEBUG on. Production sets DEBUG=0, SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL; with DEBUG off and no SECRET_KEY the process refuses to start.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Debug output only when asked for (DEBUG=1): `make run` serves the Chinese error pages users see.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Local use (no SECRET_KEY set, served on this machine only): the key is generated once under
# var/, so `make run` needs no configuration. A server reachable by others must set SECRET_KEY.
LOCAL = not SECRET_KEY
if LOCAL:
    if not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS or os.environ.get("SECURE_SSL_REDIRECT"):
        raise ImproperlyConfigured(
            "未设置 SECRET_KEY：对外提供服务（ALLOWED_HOSTS 不是本机）时必须设置 SECRET_KEY 环境变量。"
        )
    key_file = BASE_DIR / "var" / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()
    (BASE_DIR / "var" / "static").mkdir(exist_ok=True)  # WhiteNoise's root; files come from finders
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    # django-autocomplete-light (the village picker) asks to come before the admin.
    "dal",
    "dal_select2",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "civaffairs.apps.AxesConfig",
    "civaffairs",
    "assistance",
    "welfare",
    "grassroots",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civaffairs.middleware.SessionRenewalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civaffairs.middleware.RequestAddressMiddleware",
    "axes.middleware.AxesMiddleware",
    "civaffairs.middleware.NoStoreMiddleware",
    "civaffairs.middleware.SecurityHeadersMiddleware",
    "civaffairs.middleware.BusyDatabaseMiddleware",
    "civaffairs.accounts.ForcePasswordChangeMiddleware",
]

ROOT_URLCONF = "civaffairs.urls"
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
                "civaffairs.context_processors.roles",
            ],
        },
    },
]
WSGI_APPLICATION = "civaffairs.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'civaffairs.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# Writers queue for the write lock at BEGIN (IMMEDIATE) and wait up to 20 s for it, instead of
# failing with "database is locked" when a read transaction upgrades to a write.
SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A background job's progress is written through a second connection, beside the job's own
    # transaction, so its page sees it before the work commits (civaffairs/jobs.py).
    DATABASES["jobs"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

# Background jobs (civaffairs/jobs.py), through Django's task API (the django_tasks backport):
# the database by default, run by `manage.py db_worker`; RQ on Redis when REDIS_URL is set (workers
# on several machines: `manage.py rqworker default`). The tests run jobs immediately.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}  # the worker runs django_tasks' tasks
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Values computed from the records (figures, list counts, the home page's to-dos), kept per version
# of the records (civaffairs/kept.py): a change recorded in the audit log makes new keys, so a kept
# value is never older than the records. In each process's memory by default; shared by every
# process and machine on Redis when REDIS_URL is set.
if REDIS_URL:
    # Keyed by the database's name too: two deployments sharing one Redis never share a value.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": str(DATABASES["default"]["NAME"]),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
RECORDS_CACHE_SECONDS = int(os.environ.get("RECORDS_CACHE_SECONDS", "600"))
# A running job with no news for this long counts as interrupted (its worker died): its object is
# free for a new job.
JOB_STALE_MINUTES = int(os.environ.get("JOB_STALE_MINUTES", "30"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 等保 practice: 8+ characters from at least 3 character classes, not like the username, not a
# common password, none of the last five; every message in Chinese (civaffairs/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "civaffairs.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "civaffairs.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "civaffairs.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "civaffairs.passwords.CommonPasswordValidator"},
    {"NAME": "civaffairs.passwords.PasswordHistoryValidator", "OPTIONS": {"keep": 5}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes): 5 failed logins lock the pair of username and client address for 30
# minutes, so nobody can lock a caseworker out from elsewhere; an address with 30 failures in that
# time, whatever the usernames, is throttled as a whole (civaffairs/accounts.py). Failed old
# passwords on the password-change form count too. The client address is the one behind the
# trusted proxies (civaffairs/clientip.py).
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "30"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
# The 30 minutes count from the lockout; attempts while locked neither count nor extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
AXES_HANDLER = "civaffairs.accounts.AxesHandler"
AXES_CLIENT_IP_CALLABLE = "civaffairs.clientip.axes_client_ip"
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]

# Idle sessions end after 30 minutes: every request renews the expiry, written at most once a
# minute (civaffairs.middleware.SessionRenewalMiddleware), not on every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Chinese only, whatever the browser asks for: no LocaleMiddleware.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
FORMAT_MODULE_PATH = ["civaffairs.formats"]
# A list filter's "no choice" reads 全部, not Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = "全部"
# Ids, years and counts are never grouped; amounts are, explicitly, by civaffairs/money.py
# (1,996,160.00), which does not depend on this setting.
USE_THOUSAND_SEPARATOR = False
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if LOCAL or DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Local use serves static files straight from the apps (no collectstatic before `make run`).
WHITENOISE_USE_FINDERS = LOCAL or DEBUG

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# No inline script anywhere: scripts come from static/js. Inline style attributes (Select2 sets
# them) stay allowed; styles cannot run code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Imports (花名册 and those to come): civaffairs/uploads.py.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
SCAN_MAX_BYTES = int(os.environ.get("SCAN_MAX_BYTES", str(10 * 1024 * 1024)))  # scanned papers (PDF/JPG/PNG)
UPLOAD_MAX_ROWS = int(os.environ.get("UPLOAD_MAX_ROWS", "50000"))
UPLOAD_MAX_CELL_CHARS = int(os.environ.get("UPLOAD_MAX_CELL_CHARS", "1000"))
UPLOAD_MAX_ERRORS_SHOWN = 200
# A roster larger than this (about 2,000 rows) is imported by a background job.
ROSTER_BACKGROUND_BYTES = int(os.environ.get("ROSTER_BACKGROUND_BYTES", str(100 * 1024)))
# A bank file of a payroll with more lines than this (a city's 低保 month: 45,000) is written by a
# background job (4.3 s at ×10 in the request); its file may be downloaded for EXPORT_KEEP_HOURS.
EXPORT_BACKGROUND_LINES = int(os.environ.get("EXPORT_BACKGROUND_LINES", "10000"))
EXPORT_KEEP_HOURS = int(os.environ.get("EXPORT_KEEP_HOURS", "24"))

if not DEBUG and not LOCAL:
    # Behind a TLS-terminating proxy (README: gunicorn behind nginx).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
ENROLMENT_MAX_BACKDATE_MONTHS = int(os.environ.get("ENROLMENT_MAX_BACKDATE_MONTHS", "3"))
