"""Cercle's settings, read from environment variables (see docs/configuration.md).

Every setting has a default that makes `make run` work on a fresh machine with nothing set.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

from cercle.core.operations import logs as _operations_logs

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("CERCLE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules or os.environ.get("CERCLE_TESTING") == "1"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """The SECRET_KEY variable, else a key generated once into var/ and kept there."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Stored secrets Cercle reads back (identity providers' client secrets, the directory's bind
# password) are sealed under a key derived from this one, or from SECRET_KEY (cercle.core.sealing).
# Rotating SECRET_KEY: list the old one in SECRET_KEY_FALLBACKS until the secrets are saved again.
CERCLE_SECRETS_KEY = os.environ.get("CERCLE_SECRETS_KEY", "")
SECRET_KEY_FALLBACKS = env_list("CERCLE_SECRET_KEY_FALLBACKS", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The public address, for links in emails. Unset: the address of the request that triggered the
# mail (development; `make run` sets it from HOST and PORT). Production sending real mail must set
# it: the system check cercle.E001 refuses to start otherwise (cercle.core.mail).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "ninja",
    # In the order of the layers (docs/contributing.md): the ground, people and the organisation,
    # spaces, the services modules register with, the content modules, the IT department's pages.
    "cercle.core",
    "cercle.audit",
    "cercle.accounts",
    "cercle.sso",
    "cercle.spaces",
    "cercle.notifications",
    "cercle.adoption",
    "cercle.search",
    "cercle.feed",
    "cercle.announcements",
    "cercle.news",
    "cercle.chat",
    "cercle.pages",
    "cercle.documents",
    "cercle.agenda",
    "cercle.agenda.caldav",
    "cercle.onboarding",
    "cercle.homepage",
    "cercle.administration",
    "cercle.privacy",
    "cercle.provisioning",
    "cercle.directory",
]

MIDDLEWARE = [
    # First: the request id, the probes (/healthz, /readyz) and /metrics answered before the
    # session, locale and host checks, and each request's figures (cercle.core.operations).
    "cercle.core.operations.middleware.OperationsMiddleware",
    # The embedded default's server empties its own cache when another process has written
    # (cercle.core.cache_generation); nothing on a shared cache.
    "cercle.core.cache_generation.CacheGenerationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's session list, its "last seen" written once a minute, not on every request.
    "cercle.accounts.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The request being served, for the audit log's address (`cercle.core.requests`). Synchronous
    # only, like the next one, and below every async-capable middleware for the same reason.
    "cercle.core.requests.CurrentRequestMiddleware",
    # The page Content-Security-Policy and this request's nonce (`cercle.core.security`).
    "cercle.core.security.ContentSecurityPolicyMiddleware",
    # Under /api/, the HTML error pages (unknown URL, wrong method, uncaught error) become JSON.
    "cercle.core.middleware.ApiJsonErrorsMiddleware",
    # Signs people out after the idle time and the lifetime the organisation sets (cercle.sso).
    "cercle.sso.middleware.SessionLifetimeMiddleware",
    # Sends people whose two-factor grace period is over to set it up (cercle.sso).
    "cercle.sso.middleware.TwoFactorRequiredMiddleware",
    # Synchronous only, and last on purpose: under ASGI Django runs every middleware above it
    # synchronously in the request's thread. Below a synchronous one, the async-capable
    # MessageMiddleware and XFrameOptionsMiddleware would run on the event loop, with a
    # thread hop for each of their hooks.
    "cercle.core.middleware.UserPreferencesMiddleware",
]

# Threads that serve HTTP requests in each server process (`cercle.core.asgi_handler`): each
# keeps its database connection between requests. 0 falls back to Django's own ASGI handler.
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "8"))

ROOT_URLCONF = "cercle.urls"
ASGI_APPLICATION = "cercle.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cercle.accounts.context_processors.layout",
            ],
        },
    }
]

# --- Database: SQLite under var/ by default (WAL), PostgreSQL when DATABASE_URL says so.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "cercle.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: writers queue on the lock instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    if test_file := os.environ.get("CERCLE_TEST_SQLITE_FILE"):
        # Browser tests: a test database file (WAL, waits on locks) rather than the shared
        # in-memory one, whose locks fail at once when the live server and the page's polls meet.
        DATABASES["default"]["TEST"] = {"NAME": test_file}
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    if env_bool("DATABASE_POOL", default=True):
        # psycopg's pool keeps a few connections per process, shared by the HTTP threads, the
        # WebSocket handlers' thread and commands (Django requires CONN_MAX_AGE = 0 with it).
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # One connection per HTTP thread plus the WebSocket handlers': with fewer, requests
        # wait for a connection under load and fail after DATABASE_POOL_TIMEOUT (a 500, seen
        # with 32 clients) instead of queueing for a thread (a slower answer).
        pool_max = int(os.environ.get("DATABASE_POOL_MAX_SIZE", str(max(10, HTTP_THREADS + 2))))
        if pool_max < HTTP_THREADS + 1:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                f"DATABASE_POOL_MAX_SIZE={pool_max} is below HTTP_THREADS + 1 "
                f"({HTTP_THREADS + 1}): requests would fail waiting for a connection under load."
            )
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
            "max_size": pool_max,
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }
    # Server-side binding (`$1` parameters, the statement's text the same for every value) lets
    # psycopg prepare a statement once it has run DATABASE_PREPARE_THRESHOLD times on a
    # connection (the pool keeps them): PostgreSQL then skips parsing and planning it again.
    # Django's default binds on the client, so every statement is new to the server (issue 15).
    if env_bool("DATABASE_SERVER_SIDE_BINDING", default=False):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = int(threshold) if threshold else None
    if TESTING:
        # A test database is thrown away: commits (migrations, transactional tests) need not
        # wait for the write-ahead log to reach the disk. Same SQL, same results.
        options = DATABASES["default"]["OPTIONS"]
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
    # A test run gets its own database name, so that two runs on one server never collide.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("CERCLE_TEST_DB_NAME", f"test_cercle_{os.getpid()}")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer and background tasks.
REDIS_URL = os.environ.get("REDIS_URL", "")
# CERCLE_CHANNEL_LAYER=redis uses Redis even under CERCLE_TESTING (the two-process realtime test).
_USE_REDIS = bool(REDIS_URL) and (
    not TESTING or os.environ.get("CERCLE_CHANNEL_LAYER", "") == "redis"
)
if _USE_REDIS:
    CACHES: dict[str, Any] = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS: dict[str, Any] = {
        "default": {
            # Redis publish/subscribe: a group send is one PUBLISH that each process subscribed
            # to the group hands to its own sockets. Half the CPU per chat message of
            # channels-redis's list-based layer, whose p99 passed 390 ms at 200 messages/s on two
            # workers (docs/benchmarks.md). Nothing waits in Redis for a process that is gone:
            # clients catch up from the database after a reconnect (`sync`).
            "BACKEND": "cercle.core.layers.RedisPubSubChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default; reads here may wait longer.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "cercle.core.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "CERCLE_TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            # django-tasks-db's, keeping the request id beside each task (cercle.core.operations).
            else "cercle.core.operations.tasks.DatabaseBackend",
        ),
        "QUEUES": [],
    }
}

# --- Accounts.
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's password backends, refusing people whose domain requires single sign-on.
AUTHENTICATION_BACKENDS = [
    "cercle.sso.backends.ModelBackend",
    "cercle.sso.backends.AuthenticationBackend",
    # Sign-in by LDAP bind, once a company directory is configured (else it answers nobody).
    "cercle.directory.backends.DirectoryBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create thousands of passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "cercle.sso.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "cercle.sso.forms.LoginForm",
    "request_login_code": "cercle.sso.forms.RequestLoginCodeForm",
}
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Words that are pages under /people/ rather than profiles: nobody may take them as a username.
ACCOUNT_USERNAME_BLACKLIST = ["experts", "autocomplete"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cercle] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    # Failed logins: per address and per account (allauth's "login_failed" counts both).
    "login_failed": os.environ.get("CERCLE_LOGIN_FAILED_LIMIT", "10/m/ip,5/5m/key"),
    # Sign-in attempts per address: an office behind one proxy whose address Cercle sees (no
    # CLIENT_IP_HEADER) shares it, hence a setting.
    "login": os.environ.get("CERCLE_LOGIN_LIMIT", "30/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "signup": "20/m/ip",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# No passkey for people whose domain requires single sign-on (cercle.sso.forms).
MFA_FORMS = {"add_webauthn": "cercle.sso.forms.AddWebAuthnForm"}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = (
    DEBUG or TESTING or not SITE_URL or SITE_URL.startswith("http://127.0.0.1")
)
MFA_TOTP_ISSUER = "Cercle"
USERSESSIONS_TRACK_ACTIVITY = True

# --- Single sign-on (docs/administration.md): OpenID Connect and SAML 2.0 identity providers,
# added by admins in /manage/sso/ (allauth's SocialApp rows) or listed here as JSON.
SOCIALACCOUNT_ADAPTER = "cercle.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = int(os.environ.get("CERCLE_SSO_TIMEOUT", "10"))


def _sso_providers_from_environment(raw: str) -> dict[str, Any]:
    """`CERCLE_SSO_PROVIDERS`: a JSON list of {"kind": "oidc" | "saml", "key", "name",
    "client_id", "secret", "server_url" (OIDC), "idp" (SAML), "profile_mapping", ...} made into
    allauth's `SOCIALACCOUNT_PROVIDERS` apps."""
    oidc: list[dict[str, Any]] = []
    saml: list[dict[str, Any]] = []
    for entry in json.loads(raw or "[]"):
        entry = dict(entry)
        kind = entry.pop("kind", "oidc")
        key = entry.pop("key")
        app = {
            "provider_id": key,
            "name": entry.pop("name", key),
            "client_id": entry.pop("client_id", key if kind == "saml" else ""),
            "secret": entry.pop("secret", ""),
            "settings": entry,
        }
        (saml if kind == "saml" else oidc).append(app)
    return {"openid_connect": {"APPS": oidc}, "saml": {"APPS": saml}}


SOCIALACCOUNT_PROVIDERS = _sso_providers_from_environment(
    os.environ.get("CERCLE_SSO_PROVIDERS", "")
)

# --- Internationalisation: French first, English complete; each person has a language and zone.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "fr")
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Files.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
WHITENOISE_USE_FINDERS = True
# The project's own static files (src/cercle/static/: "cercle" itself is not an installed app).
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if bucket := os.environ.get("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# The document base's contents: outside MEDIA_ROOT (no URL serves them; every download goes through
# the documents' own views and rules), or under the bucket's "documents/" prefix with S3.
DOCUMENTS_ROOT = Path(os.environ.get("CERCLE_DOCUMENTS_ROOT", VAR_DIR / "documents"))
STORAGES["documents"] = (
    {**STORAGES["default"], "OPTIONS": {**STORAGES["default"]["OPTIONS"], "location": "documents"}}
    if bucket
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DOCUMENTS_ROOT), "base_url": "/no-url/"},
    }
)
# Downloads of people's data (ZIPs): outside MEDIA_ROOT, served only to their owner by the privacy
# views; kept PRIVACY_EXPORT_DAYS days. An erasure treats what the person wrote in shared places
# by PRIVACY_ERASURE_SHARED_CONTENT ("anonymise" or "delete"); AUDIT_RETENTION_DAYS (0: forever).
PRIVACY_ROOT = Path(os.environ.get("CERCLE_PRIVACY_ROOT", VAR_DIR / "privacy"))
STORAGES["privacy"] = (
    {**STORAGES["default"], "OPTIONS": {**STORAGES["default"]["OPTIONS"], "location": "privacy"}}
    if bucket
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVACY_ROOT), "base_url": "/no-url/"},
    }
)
# News covers: outside MEDIA_ROOT (an article's cover is served by the news views, to its
# audience only), or under the bucket's "news/" prefix with S3.
NEWS_ROOT = Path(os.environ.get("CERCLE_NEWS_ROOT", VAR_DIR / "news"))
STORAGES["news"] = (
    {**STORAGES["default"], "OPTIONS": {**STORAGES["default"]["OPTIONS"], "location": "news"}}
    if bucket
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(NEWS_ROOT), "base_url": "/no-url/"},
    }
)
# Images of pages (pasted or dropped in the editor): outside MEDIA_ROOT, served by the pages'
# views to those who may read the space's pages; the bucket's "pages/" prefix with S3.
PAGES_ROOT = Path(os.environ.get("CERCLE_PAGES_ROOT", VAR_DIR / "pages"))
STORAGES["pages"] = (
    {**STORAGES["default"], "OPTIONS": {**STORAGES["default"]["OPTIONS"], "location": "pages"}}
    if bucket
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PAGES_ROOT), "base_url": "/no-url/"},
    }
)
PRIVACY_EXPORT_DAYS = int(os.environ.get("CERCLE_PRIVACY_EXPORT_DAYS", "7"))
PRIVACY_ERASURE_SHARED_CONTENT = os.environ.get("CERCLE_ERASURE_SHARED_CONTENT", "anonymise")
AUDIT_RETENTION_DAYS = int(os.environ.get("CERCLE_AUDIT_RETENTION_DAYS", "1095"))
# The largest document one upload may bring (MB), and how long the trash keeps what is deleted.
DOCUMENTS_MAX_UPLOAD_MB = int(os.environ.get("CERCLE_DOCUMENTS_MAX_UPLOAD_MB", "2048"))
DOCUMENTS_TRASH_DAYS = int(os.environ.get("CERCLE_DOCUMENTS_TRASH_DAYS", "30"))
# The default quota of a space's library and of a person's "My documents" (MB; 0: no limit),
# until an administrator sets another on the administration's Documents page.
DOCUMENTS_SPACE_QUOTA_MB = int(os.environ.get("CERCLE_DOCUMENTS_SPACE_QUOTA_MB", "0"))
DOCUMENTS_PERSON_QUOTA_MB = int(os.environ.get("CERCLE_DOCUMENTS_PERSON_QUOTA_MB", "0"))
# How long "I am editing this" holds a document, unless released or broken (WebDAV clients ask
# for their own duration, at most a week).
DOCUMENTS_LOCK_MINUTES = int(os.environ.get("CERCLE_DOCUMENTS_LOCK_MINUTES", "480"))
# How long an upload in chunks (resumable) may stay unfinished before purge_document_trash deletes
# it and the chunks it holds.
DOCUMENTS_UPLOAD_HOURS = int(os.environ.get("CERCLE_DOCUMENTS_UPLOAD_HOURS", "24"))
# Text extraction and thumbnails (documents/extraction.py): a child process per file, with these
# limits; the text kept and searched of one file is cut at DOCUMENTS_TEXT_MAX_CHARS.
DOCUMENTS_TEXT_MAX_CHARS = int(os.environ.get("CERCLE_DOCUMENTS_TEXT_MAX_CHARS", "200000"))
DOCUMENTS_EXTRACT_MAX_MB = int(os.environ.get("CERCLE_DOCUMENTS_EXTRACT_MAX_MB", "100"))
DOCUMENTS_EXTRACT_MAX_PAGES = int(os.environ.get("CERCLE_DOCUMENTS_EXTRACT_MAX_PAGES", "2000"))
DOCUMENTS_EXTRACT_SECONDS = int(os.environ.get("CERCLE_DOCUMENTS_EXTRACT_SECONDS", "30"))
DOCUMENTS_EXTRACT_MEMORY_MB = int(os.environ.get("CERCLE_DOCUMENTS_EXTRACT_MEMORY_MB", "1024"))
MAX_UPLOAD_MB = int(os.environ.get("CERCLE_MAX_UPLOAD_MB", "10"))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


# --- Mail: EMAIL_URL, e.g. smtp://user:password@mail.example.org:587?tls=1, or console://.
def _email_settings(url: str) -> dict[str, Any]:
    if not url or url.startswith("console:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url.startswith("file:"):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": urlparse(url).path or str(VAR_DIR / "mail"),
        }
    if url.startswith("memory:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    parsed = urlparse(url)
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", "0").lower() in {"1", "true", "yes"},
        "EMAIL_TIMEOUT": 15,
    }


# The configured backend sends; cercle.core.mail.RecordingBackend in front of it keeps when the
# last mail left (the administration's overview).
_email = _email_settings(os.environ.get("EMAIL_URL", ""))
CERCLE_EMAIL_BACKEND = _email.pop("EMAIL_BACKEND")
globals().update(_email)
EMAIL_BACKEND = "cercle.core.mail.RecordingBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cercle <cercle@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The mailbox calendar applications send their answers to invitations to (ORGANIZER of the
# mailed invitations), piped to `manage.py receive_mail`; empty: the organiser's own address.
CERCLE_AGENDA_REPLY_ADDRESS = os.environ.get("CERCLE_AGENDA_REPLY_ADDRESS", "")

# --- Web Push (notifications on people's devices; docs/deployment.md). The VAPID key pair is
# generated at first use and kept in the database (`manage.py vapid_keys`).
CERCLE_PUSH_ENABLED = env_bool("CERCLE_PUSH_ENABLED", True)
# Who push services may contact about our pushes (VAPID "sub"): mailto: or https: URL; default
# from DEFAULT_FROM_EMAIL.
CERCLE_VAPID_SUBJECT = os.environ.get("CERCLE_VAPID_SUBJECT", "")
# The push services whose endpoints browsers may subscribe with (a leading dot: the domain and
# its sub-domains): the server sends requests there, so not to any address.
CERCLE_PUSH_SERVICE_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "CERCLE_PUSH_SERVICE_HOSTS",
        "fcm.googleapis.com,.push.services.mozilla.com,.push.apple.com,.notify.windows.com",
    ).split(",")
    if h.strip()
]
CERCLE_PUSH_ALLOW_HTTP = False  # only the tests' loopback push service speaks plain HTTP
CERCLE_PUSH_CONCURRENCY = int(os.environ.get("CERCLE_PUSH_CONCURRENCY", "8"))

# --- Security.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SITE_URL.startswith("https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS once Cercle is served over HTTPS (SITE_URL https://…): browsers then refuse plain HTTP.
SECURE_HSTS_SECONDS = (
    int(os.environ.get("CERCLE_HSTS_SECONDS", "31536000")) if SITE_URL.startswith("https") else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # subdomains of Cercle's own host name only
if env_bool("BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# The request header carrying the client address behind a reverse proxy (e.g. X-Forwarded-For).
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = CLIENT_IP_HEADER or None

# --- Operating (docs/deployment.md, "Operating Cercle"): logs, probes, metrics.
# CERCLE_LOG_FORMAT=json: one JSON object per line, with the request id, person, route, status and
# duration; CERCLE_ACCESS_LOG: one line per request (default: on with JSON logs).
# Post cards kept drawn in each process (`cercle.feed.templatetags.feed_tags.CardCache`, a few kB
# each); 0 draws every card anew.
CERCLE_CARD_CACHE_SIZE = max(0, int(os.environ.get("CERCLE_CARD_CACHE_SIZE", "2000")))
CERCLE_LOG_FORMAT = os.environ.get("CERCLE_LOG_FORMAT", "text").strip().lower()
CERCLE_ACCESS_LOG = env_bool("CERCLE_ACCESS_LOG", CERCLE_LOG_FORMAT == "json")
LOGGING = _operations_logs.logging_config(
    log_format=CERCLE_LOG_FORMAT,
    level=os.environ.get("LOG_LEVEL", "WARNING"),
    access_log=CERCLE_ACCESS_LOG,
)
# Who may read /metrics: these networks (comma-separated, CIDR) or the bearer token; else 404.
CERCLE_METRICS_ALLOWED_IPS = os.environ.get("CERCLE_METRICS_ALLOWED_IPS", "127.0.0.1/32,::1/128")
CERCLE_METRICS_TOKEN = os.environ.get("CERCLE_METRICS_TOKEN", "")
# Several server processes: the directory where each writes its metrics (prometheus_client reads
# the variable itself, before any metric is made; empty it before the server starts).
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
# Each /readyz check's timeout, in seconds.
CERCLE_READY_TIMEOUT = float(os.environ.get("CERCLE_READY_TIMEOUT", "2"))

NINJA_PAGINATION_PER_PAGE = 20


# --- The company directory (LDAP / Active Directory), when not set in the administration pages.
CERCLE_LDAP = {
    "server_uri": os.environ.get("CERCLE_LDAP_URI", ""),
    "bind_dn": os.environ.get("CERCLE_LDAP_BIND_DN", ""),
    "bind_password": os.environ.get("CERCLE_LDAP_BIND_PASSWORD", ""),
    "start_tls": os.environ.get("CERCLE_LDAP_START_TLS", "") in {"1", "true", "yes"},
    # The CA of the directory's certificate (ldaps:// or StartTLS), also for a directory set in
    # the administration pages; empty: the system's.
    "ca_file": os.environ.get("CERCLE_LDAP_CA_FILE", ""),
    "user_base_dn": os.environ.get("CERCLE_LDAP_USER_BASE_DN", ""),
    "user_filter": os.environ.get("CERCLE_LDAP_USER_FILTER", ""),
    "group_base_dn": os.environ.get("CERCLE_LDAP_GROUP_BASE_DN", ""),
    "group_filter": os.environ.get("CERCLE_LDAP_GROUP_FILTER", ""),
    "preset": os.environ.get("CERCLE_LDAP_PRESET", "openldap"),
    # JSON: Cercle's attribute → the directory's, e.g. {"site": "physicalDeliveryOfficeName"}.
    "attribute_map": json.loads(os.environ.get("CERCLE_LDAP_ATTRIBUTE_MAP", "") or "{}"),
    "max_deactivation_percent": int(os.environ.get("CERCLE_LDAP_MAX_DEACTIVATION_PERCENT", "10")),
}
