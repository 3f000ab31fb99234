"""Settings for every deployment; values that differ between deployments come from the environment.

`.env.example` lists every variable. Without any of them set, the platform runs as a local
demo on the embedded SQLite database (DEBUG on, a throw-away secret key).
"""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from twinning.config.env import env_bool, env_int, env_list, env_secret, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(env_str("TWINNING_DATA_DIR", str(PACKAGE_DIR.parent.parent / "var")))

DEBUG = env_bool("TWINNING_DEBUG", default=True)
# A local demo may use a fixed key; any deployment with DEBUG off must provide its own.
SECRET_KEY = env_secret("TWINNING_SECRET_KEY", "dev-only-insecure-key" if DEBUG else None)
ALLOWED_HOSTS = env_list("TWINNING_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("TWINNING_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "ninja",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "twinning.core",
    "twinning.accounts",
    "twinning.regions",
    "twinning.pairings",
    "twinning.plans",
    "twinning.notifications",
    "twinning.exchanges",
    "twinning.consultations",
    "twinning.indicators",
    "twinning.knowledge",
    "twinning.search",
    "twinning.health",
    "twinning.supervision",
    "twinning.evaluation",
    "twinning.bulletins",
    "twinning.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "twinning.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "twinning.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "twinning.config.urls"
WSGI_APPLICATION = "twinning.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "twinning.core.context_processors.navigation",
                "twinning.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("TWINNING_DATABASE_URL", f"sqlite:///{BASE_DIR / 'twinning.sqlite3'}"),
        conn_max_age=env_int("TWINNING_DB_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "twinning.accounts.backends.ScopedModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one user name from one address lock it for an hour.
AXES_FAILURE_LIMIT = env_int("TWINNING_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
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
MEDIA_ROOT = BASE_DIR / "media"

# Requests larger than this are refused (the API answers 413) before anything is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("TWINNING_MAX_REQUEST_BYTES", 1024 * 1024)
# Uploaded files (evidence, imported spreadsheets) larger than this are refused.
TWINNING_MAX_UPLOAD_BYTES = env_int("TWINNING_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# An uploaded Office file or ZIP may not unpack to more than this (a "zip bomb" guard).
TWINNING_MAX_UNPACKED_BYTES = env_int("TWINNING_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)

# Consultations (难题会诊): days the leading side has to answer, and when to remind before that.
TWINNING_RESPONSE_DAYS = env_int("TWINNING_RESPONSE_DAYS", 7)
TWINNING_REMINDER_HOURS_BEFORE = env_int("TWINNING_REMINDER_HOURS_BEFORE", 24)
# Indicator reports: days after a period's end before its report is late; a change against the
# previous month or the same month last year beyond this share asks for a comment; DHIS2's
# min-max band is the mean ± this many standard deviations of the region's history.
TWINNING_REPORT_DEADLINE_DAYS = env_int("TWINNING_REPORT_DEADLINE_DAYS", 10)
TWINNING_JUMP_THRESHOLD_PERCENT = env_int("TWINNING_JUMP_THRESHOLD_PERCENT", 30)
TWINNING_OUTLIER_STD_DEVS = env_int("TWINNING_OUTLIER_STD_DEVS", 2)
# `twinning remind-reports` tells a region this many days before its report is due.
TWINNING_REPORT_REMINDER_DAYS_BEFORE = env_int("TWINNING_REPORT_REMINDER_DAYS_BEFORE", 3)

TASKS = {
    "default": {
        "BACKEND": env_str(
            "TWINNING_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# Notifications: e-mail (SMTP in deployments, printed to the console in a local demo).
EMAIL_BACKEND = env_str("TWINNING_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("TWINNING_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("TWINNING_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("TWINNING_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("TWINNING_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TWINNING_EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("TWINNING_EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("TWINNING_EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("TWINNING_DEFAULT_FROM_EMAIL", "twinning@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The platform's own address, for the links in e-mails and group-robot messages.
TWINNING_SITE_URL = env_str("TWINNING_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Group robots may only be reached on these hosts (no requests to arbitrary addresses).
TWINNING_WEBHOOK_ALLOWED_HOSTS = env_list(
    "TWINNING_WEBHOOK_ALLOWED_HOSTS", ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
)
# Sending e-mails and robot messages: attempts in all, the wait before the first retry (doubled
# after each further failure), and how long to wait for a reply.
TWINNING_DELIVERY_ATTEMPTS = env_int("TWINNING_DELIVERY_ATTEMPTS", 5)
TWINNING_DELIVERY_BACKOFF_SECONDS = env_int("TWINNING_DELIVERY_BACKOFF_SECONDS", 60)
TWINNING_DELIVERY_TIMEOUT_SECONDS = env_int("TWINNING_DELIVERY_TIMEOUT_SECONDS", 10)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("TWINNING_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("TWINNING_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TWINNING_LOG_LEVEL", "INFO")},
    # A line per task state ("RUNNING", "SUCCESSFUL") would drown the commands' own output;
    # failures are still logged.
    "loggers": {"django_tasks": {"level": env_str("TWINNING_TASKS_LOG_LEVEL", "WARNING")}},
}

# Pair health (健康度): the thresholds of the rules in health/engine.py (see docs/health.md).
TWINNING_HEALTH_OVERDUE_TASKS_RED = env_int("TWINNING_HEALTH_OVERDUE_TASKS_RED", 5)
TWINNING_HEALTH_OVERDUE_DAYS_RED = env_int("TWINNING_HEALTH_OVERDUE_DAYS_RED", 60)
TWINNING_HEALTH_SILENCE_DAYS_AMBER = env_int("TWINNING_HEALTH_SILENCE_DAYS_AMBER", 90)
TWINNING_HEALTH_SILENCE_DAYS_RED = env_int("TWINNING_HEALTH_SILENCE_DAYS_RED", 180)
TWINNING_HEALTH_MISSING_REPORTS_RED = env_int("TWINNING_HEALTH_MISSING_REPORTS_RED", 2)
TWINNING_HEALTH_REPORT_PERIODS = env_int("TWINNING_HEALTH_REPORT_PERIODS", 3)
TWINNING_HEALTH_PROBLEM_DAYS_RED = env_int("TWINNING_HEALTH_PROBLEM_DAYS_RED", 14)
TWINNING_HEALTH_NO_PLAN_DAYS_RED = env_int("TWINNING_HEALTH_NO_PLAN_DAYS_RED", 30)
TWINNING_HEALTH_PLAN_NOT_FILED_DAYS_AMBER = env_int("TWINNING_HEALTH_PLAN_NOT_FILED_DAYS_AMBER", 60)
TWINNING_HEALTH_TARGET_GRACE_DAYS = env_int("TWINNING_HEALTH_TARGET_GRACE_DAYS", 180)
