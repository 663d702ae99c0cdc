"""Settings for the ODR platform: one module, every knob read from the environment.

With no environment at all the platform runs on the embedded default (SQLite, in-memory channel
layer, console email) so that the README's run command works on a laptop. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis; ``ODR_PRODUCTION=1`` refuses to start without secrets.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from odr.env import env_bool, env_decimal, env_int, env_list, env_prefixed, env_required, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION = env_bool("ODR_PRODUCTION", False)
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when ODR_PRODUCTION=1")

SECRET_KEY = env_required("SECRET_KEY") if PRODUCTION else env_str("SECRET_KEY", "dev-only-insecure-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
# The Centre's name, as account emails ("Hello from ...") and authenticator apps show it.
ODR_CENTRE_NAME = env_str("ODR_CENTRE_NAME", "ODR Centre")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Before django_tasks_db: its ``db_worker`` command, with a lease (tasks of a dead worker run again).
    "workers",
    "django_tasks_db",
    "cases",
    "documents",
    "payments",
    "negotiation",
    "mediation",
    "arbitration",
    "deals",
    "administration",
    # The demo runner and seeding commands (the top of the house: no app imports it).
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "odr.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cases.timezones.UserTimezoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Nothing a signed-in person is sent is kept by a browser or a cache (odr/security.py).
    "odr.security.PrivateResponsesMiddleware",
    "cases.languages.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A database connection lost mid-request: a "try again" page (503) that needs no database.
    "odr.errors.DatabaseUnavailableMiddleware",
    # Records refusals by the access rules (cases.access.AccessRefused) in the security event log.
    "cases.security_events.SecurityEventMiddleware",
]

ROOT_URLCONF = "odr.urls"
ASGI_APPLICATION = "odr.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    # Plain-text emails (templates/emails/*.txt, rendered by cases.notifications) are not HTML: what people
    # typed is written as typed ("A & B <Ltd>"), never HTML-escaped. Pages stay on the escaping engine above.
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"autoescape": False},
    },
]

# --- Data stores -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 20, minimum=0)
# On PostgreSQL, the negotiation room stores a plain message from each process's event loop, on up to this
# many connections of its own (odr/adb.py); 0 sends it through the ORM (message_post) instead, as on SQLite.
ODR_LOOP_DB_CONNECTIONS = env_int("ODR_LOOP_DB_CONNECTIONS", 4, minimum=0)
# Those connections prepare their statements on the server (about 0.3 ms less per message); turn it off
# behind a pooler that cannot keep prepared statements (PgBouncer's transaction mode before 1.21).
ODR_LOOP_DB_PREPARE = env_bool("ODR_LOOP_DB_PREPARE", True)
if DATABASE_URL:
    # Under ASGI (Daphne) each request runs in a thread of its own, so a connection kept for CONN_MAX_AGE is
    # never reused: every request would leave one more open (Django's docs: disable persistent connections
    # with ASGI, pool instead). Each process therefore keeps a psycopg pool of up to DB_POOL_MAX_SIZE
    # connections (0: no pool, connections kept for CONN_MAX_AGE, for a pooler such as PgBouncer). A pooled
    # connection is checked before it is handed out, and one kept without a pool before a request reuses it,
    # so a connection the server dropped (a restart, a failover, pg_terminate_backend) is replaced instead
    # of failing the next request.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=0 if DB_POOL_MAX_SIZE else env_int("CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
    if DB_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        from psycopg_pool import ConnectionPool

        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": 10,  # a request waits at most this long for a free connection
            "check": ConnectionPool.check_connection,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            # WAL and a busy timeout let the web process and its in-process worker share the file.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
CHANNEL_LAYER = env_str("CHANNEL_LAYER", "pubsub")
# Redis keeps keys apart by the database number in its URL, but pub/sub channels are shared by every database
# of a server: without names of their own, a staging platform (or a test run, or a bench) on database 1 would
# hear production's room events on database 0. The channel names therefore carry the database number.
CHANNEL_LAYER_PREFIX = env_str(
    "CHANNEL_LAYER_PREFIX", f"odr-db{urlsplit(REDIS_URL).path.strip('/') or '0'}" if REDIS_URL else "odr"
)
if REDIS_URL:
    # Redis pub/sub: in bench/room_bench.py it held latency near the bare stack's floor where the
    # list-based RedisChannelLayer timed out under the same load (see README, "Scaling"). Either layer
    # may drop a message under pressure; the database is the record and clients catch up with "sync".
    if CHANNEL_LAYER == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
            }
        }
    elif CHANNEL_LAYER == "core":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000, "expiry": 30, "prefix": CHANNEL_LAYER_PREFIX},
            }
        }
    else:
        raise ImproperlyConfigured(f"CHANNEL_LAYER must be 'pubsub' or 'core', got {CHANNEL_LAYER!r}")
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Rate-limit counters (allauth, rooms) must be shared by every process: Redis when there is one.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A worker's lease (workers/recovery.py): it beats every HEARTBEAT seconds; a task whose worker has not
# beaten for LEASE seconds is run again by another worker, at most MAX_ATTEMPTS runs in all.
ODR_WORKER_HEARTBEAT_SECONDS = env_int("ODR_WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
ODR_WORKER_LEASE_SECONDS = env_int("ODR_WORKER_LEASE_SECONDS", 60, minimum=2)
ODR_TASK_MAX_ATTEMPTS = env_int("ODR_TASK_MAX_ATTEMPTS", 3, minimum=1)
if ODR_WORKER_LEASE_SECONDS <= ODR_WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("ODR_WORKER_LEASE_SECONDS must be longer than ODR_WORKER_HEARTBEAT_SECONDS")

# --- Authentication (django-allauth) -----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cases:my_cases"
ACCOUNT_ADAPTER = "cases.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Re-authentication asks for what the person knows (password) or holds (authenticator), never a code sent to an
# inbox: a signed-in session plus access to the mailbox must not be enough to change two-factor settings.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ODR] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": env_str("RATE_LIMIT_SIGNUP", "20/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", ODR_CENTRE_NAME)

# --- Email: console by default, SMTP from EMAIL_URL=smtp://user:pass@host:587?tls=1 ---------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ODR Centre <no-reply@odr.example>")
# Production must send real mail: it refuses to start without EMAIL_URL.
EMAIL_URL = env_required("EMAIL_URL") if PRODUCTION else env_str("EMAIL_URL", "")
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    if _email.scheme not in {"smtp", "smtps"} or not _email.hostname:
        raise ImproperlyConfigured("EMAIL_URL must look like smtp://user:password@host:port")
    _use_ssl = _email.scheme == "smtps"
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email.hostname,
                "port": _email.port or (465 if _use_ssl else 587),
                "username": unquote(_email.username or ""),
                "password": unquote(_email.password or ""),
                "use_ssl": _use_ssl,
                "use_tls": not _use_ssl and "tls=0" not in (_email.query or ""),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hant", _("Traditional Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Hong_Kong"
USE_I18N = True
# Dates, times and numbers as each language writes them (odr/formats/<locale>/formats.py): templates use
# Django's named formats (``|date:"DATE_FORMAT"``), never a format string of their own.
FORMAT_MODULE_PATH = ["odr.formats"]
USE_TZ = True

# --- Static files and private uploads ----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Evidence and issued documents are confidential: they live outside any web root and have no URL; only
# the access-checked download views stream them. ODR_STORAGE=s3 keeps them in a private bucket of an
# S3-compatible object store (shared by every web and worker process); tests keep the filesystem.
ODR_STORAGE = env_str("ODR_STORAGE", "filesystem")
if ODR_STORAGE == "filesystem":
    _private_storage: dict[str, object] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")), "base_url": None},
    }
elif ODR_STORAGE == "s3":
    _s3 = {
        name: env_str(name, "").strip()
        for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    _s3_missing = [name for name, value in _s3.items() if not value]
    if _s3_missing:
        raise ImproperlyConfigured(f"ODR_STORAGE=s3 needs {', '.join(_s3_missing)}")
    # "private" unless the bucket has ACLs disabled (AWS's default "bucket owner enforced" refuses any ACL
    # but bucket-owner-full-control): then "none" sends none. A public ACL is never accepted.
    _s3_acl = env_str("AWS_DEFAULT_ACL", "private")
    if _s3_acl not in {"private", "bucket-owner-full-control", "none"}:
        raise ImproperlyConfigured(
            f"AWS_DEFAULT_ACL must be 'private', 'bucket-owner-full-control' or 'none', got {_s3_acl!r}"
        )
    _s3_addressing = env_str("AWS_S3_ADDRESSING_STYLE", "auto")
    if _s3_addressing not in {"auto", "path", "virtual"}:
        raise ImproperlyConfigured(
            f"AWS_S3_ADDRESSING_STYLE must be 'auto', 'path' or 'virtual', got {_s3_addressing!r}"
        )
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3["AWS_STORAGE_BUCKET_NAME"],
            "access_key": _s3["AWS_ACCESS_KEY_ID"],
            "secret_key": _s3["AWS_SECRET_ACCESS_KEY"],
            "endpoint_url": env_url("AWS_S3_ENDPOINT_URL", "") or None,  # None: AWS itself
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            "addressing_style": _s3_addressing,
            "location": env_str("AWS_LOCATION", "").strip("/"),  # a key prefix, to share a bucket
            "default_acl": None if _s3_acl == "none" else _s3_acl,
            # Downloads go through our access-checked views, never to the store: no signed URLs to hand out
            # (an unsigned URL to a private object is refused by the store).
            "querystring_auth": False,
            # Never replace an object under an existing name (the filesystem backend renames instead).
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"ODR_STORAGE must be 'filesystem' or 's3', got {ODR_STORAGE!r}")
STORAGES = {
    "default": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, serve straight from the source folders: no collectstatic needed to run or test.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Mediation -----------------------------------------------------------------------------------
ODR_MEDIATION_RANKING_DAYS = env_int("ODR_MEDIATION_RANKING_DAYS", 3, minimum=1)
ODR_MEDIATION_EXTENSION_DAYS = env_int("ODR_MEDIATION_EXTENSION_DAYS", 7, minimum=1)
ODR_SESSION_REMINDER_HOURS = [int(h) for h in env_list("ODR_SESSION_REMINDER_HOURS", "24,1")]
ODR_MEDIATION_PRESENCE_SECONDS = env_int("ODR_MEDIATION_PRESENCE_SECONDS", 90, minimum=30)
ODR_MEDIATION_CHAT_MAX_CHARS = env_int("ODR_MEDIATION_CHAT_MAX_CHARS", 2000, minimum=1)
# ICE servers for the video room. TURN credentials are minted per user from the shared secret (coturn's
# use-auth-secret), valid for ODR_TURN_TTL_SECONDS; the page never holds a lasting password.
ODR_STUN_URLS = env_list("ODR_STUN_URLS", "")
ODR_TURN_URLS = env_list("ODR_TURN_URLS", "")
ODR_TURN_SECRET = env_str("ODR_TURN_SECRET", "")
ODR_TURN_TTL_SECONDS = env_int("ODR_TURN_TTL_SECONDS", 3600, minimum=60)
if ODR_TURN_URLS and not ODR_TURN_SECRET:
    raise ImproperlyConfigured("ODR_TURN_URLS needs ODR_TURN_SECRET (coturn's static-auth-secret)")

# --- Payments ------------------------------------------------------------------------------------
# Card payments go through Stripe when its keys are set; the manual provider (bank transfer or cheque,
# confirmed by a case administrator) is always there. STRIPE_API_BASE points the SDK and Stripe.js at
# another server with Stripe's API (localstripe, in tests and the demo).
STRIPE_SECRET_KEY = env_prefixed("STRIPE_SECRET_KEY", ("sk_", "rk_"))
STRIPE_PUBLISHABLE_KEY = env_prefixed("STRIPE_PUBLISHABLE_KEY", ("pk_",))
STRIPE_WEBHOOK_SECRET = env_prefixed("STRIPE_WEBHOOK_SECRET", ("whsec_",))
STRIPE_API_BASE = env_url("STRIPE_API_BASE", "")
STRIPE_JS_URL = env_url(
    "STRIPE_JS_URL", f"{STRIPE_API_BASE}/js.stripe.com/v3" if STRIPE_API_BASE else "https://js.stripe.com/v3"
)
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 20, minimum=1)
if STRIPE_SECRET_KEY and not (STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured("STRIPE_SECRET_KEY needs STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET too")
PAYMENTS_BANK_DETAILS = env_str(
    "PAYMENTS_BANK_DETAILS", "ODR Centre Ltd, HSBC Hong Kong, account 000-000000-001 (demo details)"
)

# --- The scheme's rules: eligibility and deadlines (defaults a centre may change) --------------
ODR_ELIGIBILITY_MAX_AMOUNT = env_decimal("ODR_ELIGIBILITY_MAX_AMOUNT", "500000.00")
ODR_ELIGIBILITY_REQUIRE_HK_PARTY = env_bool("ODR_ELIGIBILITY_REQUIRE_HK_PARTY", True)
ODR_ELIGIBILITY_REQUIRE_COVID = env_bool("ODR_ELIGIBILITY_REQUIRE_COVID", True)
ODR_RESPONSE_DAYS = env_int("ODR_RESPONSE_DAYS", 7, minimum=1)
ODR_COUNTERCLAIM_ANSWER_DAYS = env_int("ODR_COUNTERCLAIM_ANSWER_DAYS", 3, minimum=1)
ODR_NEGOTIATION_DAYS = env_int("ODR_NEGOTIATION_DAYS", 7, minimum=1)
ODR_NEGOTIATION_EXTENSION_DAYS = env_int("ODR_NEGOTIATION_EXTENSION_DAYS", 7, minimum=1)
# Double-blind bidding: rounds, and how close the figures must be (a share of the demand, or a floor).
ODR_BLIND_BID_ROUNDS = env_int("ODR_BLIND_BID_ROUNDS", 3, minimum=1)
ODR_BLIND_BID_GAP_PERCENT = env_decimal("ODR_BLIND_BID_GAP_PERCENT", "30")
ODR_BLIND_BID_GAP_MIN = env_decimal("ODR_BLIND_BID_GAP_MIN", "5000.00")
# Real-time room limits, for every room's websocket (odr.sockets): the largest frame (a video room's session
# description can take tens of KB), and each user's frames a second.
ODR_WS_MAX_FRAME_BYTES = env_int("ODR_WS_MAX_FRAME_BYTES", 64 * 1024, minimum=1024)
ODR_ROOM_RATE_PER_SECOND = env_int("ODR_ROOM_RATE_PER_SECOND", 2, minimum=1)
ODR_ROOM_RATE_BURST = env_int("ODR_ROOM_RATE_BURST", 10, minimum=1)
ODR_ROOM_ACCESS_RECHECK_SECONDS = env_int("ODR_ROOM_ACCESS_RECHECK_SECONDS", 10, minimum=1)
# Abuse limits counted in the shared cache (Redis when configured), so every process agrees on them.
ODR_SOCKET_CONNECTS_PER_MINUTE = env_int("ODR_SOCKET_CONNECTS_PER_MINUTE", 30, minimum=1)
ODR_INVITATIONS_PER_DAY = env_int("ODR_INVITATIONS_PER_DAY", 20, minimum=1)
# Refused accesses recorded a minute for one person (or, signed out, one address); the rest are counted.
ODR_SECURITY_EVENTS_PER_MINUTE = env_int("ODR_SECURITY_EVENTS_PER_MINUTE", 20, minimum=1)
ODR_MESSAGE_DIGEST_MINUTES = env_int("ODR_MESSAGE_DIGEST_MINUTES", 15, minimum=1)
# What awaits a side in a deal is emailed once it has waited this long, in one email however much changed.
ODR_DEAL_DIGEST_MINUTES = env_int("ODR_DEAL_DIGEST_MINUTES", 10, minimum=1)
# While a stage waits for its fees, the current stage's deadline stays at least this far away.
ODR_FEE_PAYMENT_DAYS = env_int("ODR_FEE_PAYMENT_DAYS", 7, minimum=1)
# Days the paying party has to pay a settlement sum once the agreement is executed, when the agreed terms give
# no date to pay by; a date to pay by that an offer (or the mediator) gives is at most this many days ahead.
ODR_SETTLEMENT_PAYMENT_DAYS = env_int("ODR_SETTLEMENT_PAYMENT_DAYS", 14, minimum=1)
ODR_PAY_BY_MAX_DAYS = env_int("ODR_PAY_BY_MAX_DAYS", 365, minimum=1)
ODR_MEDIATION_DAYS = env_int("ODR_MEDIATION_DAYS", 14, minimum=1)
ODR_ARBITRATION_DAYS = env_int("ODR_ARBITRATION_DAYS", 37, minimum=1)
# Arbitration (scheme: arbitrator appointed within 3 days; submissions within one month; award within 7
# days of the last submission). A party that had not agreed to arbitration may still agree this long
# after mediation ends unsettled.
ODR_ARBITRATION_CONSENT_DAYS = env_int("ODR_ARBITRATION_CONSENT_DAYS", 3, minimum=1)
ODR_ARBITRATION_RANKING_DAYS = env_int("ODR_ARBITRATION_RANKING_DAYS", 3, minimum=1)
# The timetable the arbitrator starts from, in days from the day it is set.
ODR_ARBITRATION_CLAIM_DAYS = env_int("ODR_ARBITRATION_CLAIM_DAYS", 10, minimum=1)
ODR_ARBITRATION_DEFENCE_DAYS = env_int("ODR_ARBITRATION_DEFENCE_DAYS", 20, minimum=1)
ODR_ARBITRATION_REPLY_DAYS = env_int("ODR_ARBITRATION_REPLY_DAYS", 30, minimum=1)
# All submissions within this many days of the timetable being set; later only by an extension.
ODR_ARBITRATION_SUBMISSIONS_DAYS = env_int("ODR_ARBITRATION_SUBMISSIONS_DAYS", 31, minimum=1)
ODR_ARBITRATION_AWARD_DAYS = env_int("ODR_ARBITRATION_AWARD_DAYS", 7, minimum=1)
ODR_ARBITRATION_QUESTION_DAYS = env_int("ODR_ARBITRATION_QUESTION_DAYS", 3, minimum=1)
# Default days to pay what an award orders, and the period for correcting its clerical errors.
ODR_AWARD_PAYMENT_DAYS = env_int("ODR_AWARD_PAYMENT_DAYS", 14, minimum=1)
ODR_AWARD_CORRECTION_DAYS = env_int("ODR_AWARD_CORRECTION_DAYS", 30, minimum=1)
# Checks a single address may make on the public verification page in 10 minutes (uploads are work).
ODR_VERIFY_PER_10_MINUTES = env_int("ODR_VERIFY_PER_10_MINUTES", 30, minimum=1)
# Issue every agreement, award and receipt in English and Chinese side by side. Otherwise each is in
# the language its people chose (side by side only when they chose differently).
ODR_BILINGUAL_DOCUMENTS = env_bool("ODR_BILINGUAL_DOCUMENTS", False)
# A case reopened by an administrator (closed in error) gets this long before its stage's deadline.
ODR_REOPENED_DEADLINE_DAYS = env_int("ODR_REOPENED_DEADLINE_DAYS", 7, minimum=1)
ODR_INVITATION_VALID_DAYS = env_int("ODR_INVITATION_VALID_DAYS", 7, minimum=1)
ODR_INVITATION_RESEND_MINUTES = env_int("ODR_INVITATION_RESEND_MINUTES", 10, minimum=0)
# Hours before a deadline at which the people who must act get a reminder.
ODR_REMINDER_HOURS = [int(h) for h in env_list("ODR_REMINDER_HOURS", "48,24")]
ODR_DEADLINE_SWEEP_SECONDS = env_int("ODR_DEADLINE_SWEEP_SECONDS", 60, minimum=1)

# The platform's document seal (PAdES). Development: `manage.py create_dev_seal_key` writes these.
ODR_SEAL_KEY_PATH = env_str("ODR_SEAL_KEY_PATH", str(BASE_DIR / "var" / "seal" / "key.pem"))
ODR_SEAL_CERT_PATH = env_str("ODR_SEAL_CERT_PATH", str(BASE_DIR / "var" / "seal" / "cert.pem"))
# The seal carries a trusted timestamp (PAdES B-T) from this RFC 3161 timestamp authority, whose root
# certificate(s) (PEM) ODR_TSA_TRUST_ROOTS_PATH names. Production requires both. In development, left
# unset, the seal's own key stamps the time in-process (documents/sealing.py): still B-LT, but a
# timestamp nobody outside the platform vouches for.
ODR_TSA_URL = env_required("ODR_TSA_URL") if PRODUCTION else env_str("ODR_TSA_URL", "")
if ODR_TSA_URL and not ODR_TSA_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"ODR_TSA_URL must be an http(s) URL, got {ODR_TSA_URL!r}")
ODR_TSA_TRUST_ROOTS_PATH = (
    env_required("ODR_TSA_TRUST_ROOTS_PATH") if PRODUCTION else env_str("ODR_TSA_TRUST_ROOTS_PATH", "")
)

SESSION_COOKIE_AGE = int(timedelta(days=14).total_seconds())

# --- Production hardening ----------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from our origin (no inline script or style anywhere); websockets to our own
# host ('self' covers ws:/wss: of it). The card payment page adds Stripe's origins (odr/security.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "frame-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django_tasks_db": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
