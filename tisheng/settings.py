"""One settings module, read from environment variables (healthchecks' style).

`DATABASE_URL` selects the database (an SQLite file under var/ by default); every other
setting is a `TISHENG_*` variable.
"""

import base64
import hashlib
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envstr(name: str, default: str) -> str:
    return os.getenv(name, default)


VAR_DIR = Path(envstr("TISHENG_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = envstr("TISHENG_SECRET_KEY", "dev-only-secret-key-change-me-in-production-0123456789")
# Keys for personal data. The national ID is stored encrypted (Fernet, derived from
# TISHENG_ID_ENCRYPTION_KEY) plus an HMAC under a separate key for lookups, so a database
# dump alone reveals neither. Production sets both; the defaults are for development only.
ID_ENCRYPTION_KEY = envstr("TISHENG_ID_ENCRYPTION_KEY", "dev-only-id-encryption-key")
ID_HASH_KEY = envstr("TISHENG_ID_HASH_KEY", "dev-only-id-hash-key")

DEBUG = envbool("TISHENG_DEBUG", "false")
ALLOWED_HOSTS = envstr("TISHENG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in envstr("TISHENG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves django-ninja's own swagger-ui files for /api/v1/docs (no CDN, no inline script)
    "tisheng.core",
    "tisheng.orgs",
    "tisheng.accounts",
    "tisheng.notifications",
    "tisheng.people",
    "tisheng.programs",
    "tisheng.ledger",
    "tisheng.certificates",
    "tisheng.certificates.credentials",  # certificates as verifiable credentials (issue 18)
    "tisheng.learning",
    "tisheng.diagnostics",
    "tisheng.playback",
    "tisheng.jobs",
    "tisheng.xapi",
    "tisheng.integration",
    "tisheng.accounts.federation",  # signing in through the province identity platform (above people)
    "tisheng.practice",
    "tisheng.practice.checks",
    "tisheng.monitoring",
    "tisheng.monitoring.warning",
    "tisheng.supervision",  # inspection rounds, findings, rectifications (issue 19)
    "tisheng.monitoring.national",  # the province's report to the ministry, the ministry's view
    "tisheng.panels",  # expert panels, reusable by any round (institutions, resources)
    "tisheng.institutions",  # selection rounds, evaluation, exit of training institutions
    "tisheng.communities",  # learning together (issue 16): study classes, tutors
    "tisheng.resources",
    "tisheng.achievements",  # 优秀应用成果评选 (issue 15): rounds at every level, scored by panels
    "tisheng.funding",
    "tisheng.tracks",  # leadership, training-team, backbone … tracks (issue 17): nominations within quotas
    "tisheng.home",  # the home page (待办): reads every domain app, above all of them
    "oauth2_provider",
]

MIDDLEWARE = [
    "tisheng.core.observability_logging.RequestIdMiddleware",  # first: every log line carries the request's id
    "tisheng.core.observability_metrics.RequestMetricsMiddleware",  # it times all the rest
    "django.middleware.security.SecurityMiddleware",
    "tisheng.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tisheng.xapi.middleware.LrsResponseMiddleware",  # outside all that may answer for /xapi/
    # Outside the session middleware: a request that meets the database down answers 503, not 500.
    "tisheng.core.db_unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "tisheng.core.input_guard.UnstorableTextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tisheng.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tisheng.accounts.middleware.ForcedPasswordChangeMiddleware",  # after messages: it says why
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tisheng.urls"

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
                "tisheng.accounts.context_processors.navigation",
                "tisheng.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "tisheng.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tisheng.sqlite3'}"),
        conn_max_age=envint("TISHENG_DB_CONN_MAX_AGE", "60"),
        # A reused connection is tested before a request's first query: after a database restart
        # the next request reconnects instead of failing on a dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL and a busy timeout let the dev server and a background import share the file.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )

# PgBouncer in transaction mode in front of PostgreSQL: TISHENG_DB_POOLER=pgbouncer turns off server-side
# cursors (tisheng/core/dbpool.py says what else it takes; `tisheng check` refuses what would break).
# TISHENG_DB_CONNECT_TIMEOUT bounds a connect attempt in seconds (a failed-over host must not hang requests).
DB_POOLER = envstr("TISHENG_DB_POOLER", "").lower()
from tisheng.core.dbpool import apply_database_settings as _pooled  # noqa: E402

_pooled(DATABASES["default"], pooler=DB_POOLER, connect_timeout=envint("TISHENG_DB_CONNECT_TIMEOUT", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tisheng.accounts.backends.PhoneOrNationalIdBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "tisheng.accounts.passwords.ComplexityValidator"},
]
# Argon2id at OWASP's parameters (see accounts/hashers.py); PBKDF2 stays so that hashes stored
# before verify, and are rehashed to Argon2id at their next login.
PASSWORD_HASHERS = [
    "tisheng.accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# Level-3 protection (等保三级) basics: lockout and idle logout.
LOGIN_MAX_FAILURES = envint("TISHENG_LOGIN_MAX_FAILURES", "5")
LOGIN_LOCKOUT_MINUTES = envint("TISHENG_LOGIN_LOCKOUT_MINUTES", "15")
# Failed logins from one client address (IPv6: one /64) within LOGIN_LOCKOUT_MINUTES before it is
# refused for LOGIN_LOCKOUT_MINUTES. Only failures count; high enough for a school's NAT.
LOGIN_MAX_FAILURES_PER_IP = envint("TISHENG_LOGIN_MAX_FAILURES_PER_IP", "50")
# A temporary password from a school's reset works this many hours; then the login refuses it.
TEMPORARY_PASSWORD_HOURS = envint("TISHENG_TEMPORARY_PASSWORD_HOURS", "72")
# Reverse proxies in front of tisheng (nginx, HAProxy) that append to X-Forwarded-For: the client
# address is that many entries from its right. 0: the connection's own address (no proxy).
TRUSTED_PROXY_COUNT = envint("TISHENG_TRUSTED_PROXY_COUNT", "0")
# Password reset codes by SMS (accounts/services_password.py): per phone number one a minute and
# this many a day; per client address (IPv6: /64) this many an hour (high enough for a school's NAT).
PASSWORD_RESET_CODES_PER_DAY = envint("TISHENG_PASSWORD_RESET_CODES_PER_DAY", "5")
PASSWORD_RESET_CODES_PER_NETWORK_HOUR = envint("TISHENG_PASSWORD_RESET_CODES_PER_NETWORK_HOUR", "50")
IDLE_TIMEOUT_MINUTES = envint("TISHENG_IDLE_TIMEOUT_MINUTES", "30")
# Django's database sessions, with the one read per request as fixed SQL (accounts/session_store.py):
# same table and rules, nothing kept in a process, so a session ended anywhere is refused everywhere.
SESSION_ENGINE = "tisheng.accounts.session_store"
SESSION_COOKIE_AGE = IDLE_TIMEOUT_MINUTES * 60
SESSION_COOKIE_HTTPONLY = True
# Served over https (TISHENG_SITE_URL says so): secure cookies, HSTS and the redirect to https are
# on unless turned off one by one. Behind a TLS-terminating proxy, the proxy must set (overwrite)
# X-Forwarded-Proto; /healthz, /readyz and /metrics stay reachable over plain http for the load balancer.
_HTTPS = envstr("TISHENG_SITE_URL", "").startswith("https://")
SESSION_COOKIE_SECURE = envbool("TISHENG_SECURE_COOKIES", "true" if _HTTPS else "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("TISHENG_HSTS_SECONDS", "31536000" if _HTTPS else "0")
SECURE_SSL_REDIRECT = envbool("TISHENG_SSL_REDIRECT", "true" if _HTTPS else "false")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
if envbool("TISHENG_PROXY_SETS_X_FORWARDED_PROTO", "true" if _HTTPS else "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sent with every HTML answer (tisheng/core/csp.py): scripts and style sheets from this site only
# (no inline script, no on… handler, no <style>, no CDN); lesson videos may come from an
# institution's https host. Style attributes are allowed (style-src-attr) only because the
# vendored ECharts writes its tooltips as HTML with style="" in them; our templates have none
# (tisheng/core/tests/test_deploy_safety.py checks), and a style attribute cannot run code.
CONTENT_SECURITY_POLICY = envstr(
    "TISHENG_CSP", "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' https: blob:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Thousands separators in Chinese too (see tisheng/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["tisheng.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the app's static files straight from their folders: no collectstatic step
# for `make run`, and the same path in production behind gunicorn.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded files (roster files, later evidence) live outside the web root and are only ever
# served by views that check scope.
PRIVATE_MEDIA_ROOT = Path(envstr("TISHENG_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
# Private files through Django's storage API (tisheng/core/storage_files.py): the "private" storage is local
# files under PRIVATE_MEDIA_ROOT unless TISHENG_S3_BUCKET names a bucket of an S3-compatible store (MinIO,
# a Chinese cloud's object store) for several app nodes: TISHENG_S3_ENDPOINT_URL, TISHENG_S3_ACCESS_KEY,
# TISHENG_S3_SECRET_KEY, TISHENG_S3_REGION, TISHENG_S3_PREFIX (a folder in the bucket). The bucket must be
# private: tisheng grants no ACL and hands out only signed URLs, valid TISHENG_S3_URL_SECONDS.
S3_BUCKET = envstr("TISHENG_S3_BUCKET", "")
S3_URL_SECONDS = envint("TISHENG_S3_URL_SECONDS", "600")
if S3_BUCKET:
    _PRIVATE_FILES = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": S3_BUCKET,
        "endpoint_url": envstr("TISHENG_S3_ENDPOINT_URL", "") or None,
        "access_key": envstr("TISHENG_S3_ACCESS_KEY", "") or None,
        "secret_key": envstr("TISHENG_S3_SECRET_KEY", "") or None,
        "region_name": envstr("TISHENG_S3_REGION", "") or None,
        "location": envstr("TISHENG_S3_PREFIX", ""),
        "addressing_style": envstr("TISHENG_S3_ADDRESSING_STYLE", "path"),  # MinIO and most compatible stores
        "signature_version": "s3v4",
        "default_acl": None,  # the bucket's own (private) policy; no object is ever made public
        "querystring_auth": True,
        "querystring_expire": S3_URL_SECONDS,
        "file_overwrite": False,
    }}
else:
    # Under PRIVATE_MEDIA_ROOT (read when used), 0600 files in 0700 folders.
    _PRIVATE_FILES = {"BACKEND": "tisheng.core.storage_files.PrivateFileSystemStorage"}
STORAGES = {
    "default": _PRIVATE_FILES,  # nothing tisheng stores is public
    "private": _PRIVATE_FILES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Lesson videos are also cut into HLS (playback/hls.py, with ffmpeg at TISHENG_FFMPEG when it is there);
# a player fetches the segments through signed URLs valid TISHENG_SIGNED_URL_SECONDS (presigned from the
# object store, else an app URL under an HMAC). The daily sweep (core/storage_sweep.py) removes stored
# files no row refers to once older than TISHENG_STORE_SWEEP_GRACE_HOURS (an upload in flight is younger).
FFMPEG = envstr("TISHENG_FFMPEG", "ffmpeg")
SIGNED_URL_SECONDS = envint("TISHENG_SIGNED_URL_SECONDS", "14400")
STORE_SWEEP_GRACE_HOURS = envint("TISHENG_STORE_SWEEP_GRACE_HOURS", "24")
if S3_BUCKET and "connect-src" not in CONTENT_SECURITY_POLICY:  # hls.js fetches presigned segments
    CONTENT_SECURITY_POLICY += "; connect-src 'self' " + (_PRIVATE_FILES["OPTIONS"]["endpoint_url"] or "https:")

# The player sends a heartbeat this often (15–30 s in production; the browser tests use 2).
HEARTBEAT_SECONDS = envint("TISHENG_HEARTBEAT_SECONDS", "20")

# Monitoring roll-ups are refreshed by `run-periodic` when older than this (dashboards show the age).
ROLLUP_REFRESH_MINUTES = envint("TISHENG_ROLLUP_REFRESH_MINUTES", "10")
# Weekly bulletins (通报) are issued by `run-periodic` on this weekday (0 = Monday), Asia/Shanghai.
BULLETIN_WEEKDAY = envint("TISHENG_BULLETIN_WEEKDAY", "0")
# Settlement statements of the last closed month are drafted by `run-periodic` from this day of the month on.
FUNDING_DRAFT_DAY = envint("TISHENG_FUNDING_DRAFT_DAY", "3")
# Early-warning risk scores are recomputed by `run-periodic` when older than this.
WARNING_REFRESH_HOURS = envint("TISHENG_WARNING_REFRESH_HOURS", "24")
# Stored export files (large exports, under PRIVATE_MEDIA_ROOT/exports/) are deleted by `run-periodic`
# this many days after their job finished: they list teachers' national IDs (data minimisation).
EXPORT_RETENTION_DAYS = envint("TISHENG_EXPORT_RETENTION_DAYS", "7")
# Uploaded roster files (under PRIVATE_MEDIA_ROOT/roster/, full national IDs) are deleted by `run-periodic`
# this many days after their last upload; the import history keeps their hash and counts.
ROSTER_RETENTION_DAYS = envint("TISHENG_ROSTER_RETENTION_DAYS", "7")
# Background jobs (`tisheng run-jobs`): the worker running a job marks it alive this often, and a
# running job silent for JOB_STALE_SECONDS lost its worker and is queued again (by run-periodic
# and by any other worker within JOB_HEARTBEAT_SECONDS), so a killed worker's job runs again
# within 90–110 s of its last beat: under two minutes.
JOB_HEARTBEAT_SECONDS = envint("TISHENG_JOB_HEARTBEAT_SECONDS", "20")
JOB_STALE_SECONDS = envint("TISHENG_JOB_STALE_SECONDS", "90")
# Every SMS (reminders, notifications, reset codes) goes through this class
# (tisheng.notifications.sms.SmsBackend);
# the default only writes them to the `tisheng.sms` log.
SMS_BACKEND = envstr("TISHENG_SMS_BACKEND", "tisheng.notifications.sms.LoggingSmsBackend")
# SMS leave through an outbox (notifications/outbox.py): a batch of at most SMS_INLINE_MAX goes to
# the gateway right after the decision commits, a larger one through run-periodic; a failed send is
# tried again after 1, 5, 30, 120 minutes, SMS_MAX_ATTEMPTS times in all; finished rows (phone
# numbers) are deleted after SMS_OUTBOX_RETENTION_DAYS.
SMS_INLINE_MAX = envint("TISHENG_SMS_INLINE_MAX", "20")
SMS_MAX_ATTEMPTS = envint("TISHENG_SMS_MAX_ATTEMPTS", "5")
SMS_OUTBOX_RETENTION_DAYS = envint("TISHENG_SMS_OUTBOX_RETENTION_DAYS", "30")
# run-periodic holds a lease in the database for at most this long (released at the end of each
# round): with several app nodes exactly one runs a round at a time.
PERIODIC_LEASE_SECONDS = envint("TISHENG_PERIODIC_LEASE_SECONDS", "600")
# The resource library's quality ranking is queued by run-periodic when older than this.
RESOURCES_RANK_HOURS = envint("TISHENG_RESOURCES_RANK_HOURS", "24")

ROSTER_MAX_UPLOAD_BYTES = envint("TISHENG_ROSTER_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))
# Lesson videos institutions upload (stored under PRIVATE_MEDIA_ROOT/videos/).
LEARNING_MAX_VIDEO_BYTES = envint("TISHENG_LEARNING_MAX_VIDEO_BYTES", str(500 * 1024 * 1024))
# Practice evidence (stored under PRIVATE_MEDIA_ROOT/evidence/): size limit per kind, and the
# longest video clip (checked with ffprobe where it is installed).
PRACTICE_EVIDENCE_MAX_BYTES = {
    "document": envint("TISHENG_PRACTICE_MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024)),
    "slides": envint("TISHENG_PRACTICE_MAX_SLIDES_BYTES", str(50 * 1024 * 1024)),
    "video": envint("TISHENG_PRACTICE_MAX_VIDEO_BYTES", str(200 * 1024 * 1024)),
    "image": envint("TISHENG_PRACTICE_MAX_IMAGE_BYTES", str(10 * 1024 * 1024)),
}
PRACTICE_VIDEO_MAX_SECONDS = envint("TISHENG_PRACTICE_VIDEO_MAX_SECONDS", "600")
# The text of a document or slides is extracted by a job, in a child process limited to this
# much address space and time (a hostile file fails only its own extraction).
PRACTICE_EXTRACT_MEMORY_BYTES = envint("TISHENG_PRACTICE_EXTRACT_MEMORY_BYTES", str(1024 * 1024 * 1024))
PRACTICE_EXTRACT_SECONDS = envint("TISHENG_PRACTICE_EXTRACT_SECONDS", "60")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The LRS reads its request bodies itself (statements with attachments): its limit, 413 above.
XAPI_MAX_BODY_BYTES = envint("TISHENG_XAPI_MAX_BODY_BYTES", str(64 * 1024 * 1024))
# A completion made before an institution's exit took effect still credits when the institution's
# platform reports it (the LRS stores it) within this many days after the effective date:
# platforms batch their reporting, often nightly (learning.crediting.counting_day).
CREDIT_LATE_REPORT_DAYS = envint("TISHENG_CREDIT_LATE_REPORT_DAYS", "7")

# The official URL the province gives teachers; also the xAPI account homePage.
SITE_URL = envstr("TISHENG_SITE_URL", "http://127.0.0.1:8000")

# Certificates carry an Ed25519 signature (QR code and PDF metadata) that anyone can check
# offline with the public key published at /verify/. Production sets the private key: base64
# of the raw 32 bytes. WARNING: the default is derived from SECRET_KEY, for development only;
# anyone who knows the dev SECRET_KEY can forge dev certificates.
CERT_SIGNING_KEY = envstr("TISHENG_CERT_SIGNING_KEY", "") or base64.b64encode(
    hashlib.sha256(b"tisheng-certificate-signing-key:" + SECRET_KEY.encode()).digest()
).decode()
# Anonymous lookups on the public verify page per client (IPv4 address or IPv6 /64) and minute,
# counted in the database (every worker shares it); beyond it 429 with Retry-After. 0: no limit.
VERIFY_RATE_PER_MINUTE = envint("TISHENG_VERIFY_RATE_PER_MINUTE", "30")
# Registrations of new training institutions from one client network an hour (0: no limit).
INSTITUTION_REGISTRATIONS_PER_HOUR = envint("TISHENG_INSTITUTION_REGISTRATIONS_PER_HOUR", "5")

# Observability (issue 20; tisheng/core/observability_*.py). /readyz answers 503 when the database does
# not answer a probe within this many seconds (or is a read-only replica), for the load balancer.
READY_TIMEOUT_SECONDS = float(envstr("TISHENG_READY_TIMEOUT_SECONDS", "2"))
# /metrics (Prometheus) answers clients from these networks (comma-separated, CIDR), or a request with
# `Authorization: Bearer <TISHENG_METRICS_TOKEN>`; everyone else gets 404. `tisheng serve` keeps the
# worker processes' figures in TISHENG_METRICS_DIR (emptied at each start; default var/metrics).
METRICS_ALLOWED_NETWORKS = envstr("TISHENG_METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
METRICS_TOKEN = envstr("TISHENG_METRICS_TOKEN", "")
METRICS_DIR = envstr("TISHENG_METRICS_DIR", "")

# Logs go to the console (systemd's journal). TISHENG_LOG_FORMAT=json: one JSON object per line with the
# request's id (X-Request-ID) and one access line per request (tisheng/core/observability_logging.py);
# "text" (the default) as before, the request id on every record for a format that wants it.
LOG_FORMAT = envstr("TISHENG_LOG_FORMAT", "text").lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tisheng.core.observability_logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "tisheng.core.observability_logging.TishengJsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             **({"formatter": "json"} if LOG_FORMAT == "json" else {})}},
    "root": {"handlers": ["console"], "level": envstr("TISHENG_LOG_LEVEL", "WARNING")},
    "loggers": {
        # The default SMS backend's only output: without a gateway, the console is where a demo's reset
        # codes and notices are read.
        "tisheng.sms": {"level": "INFO"},
        # The access line per request, in JSON only (in text the server's own access log has it).
        "tisheng.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}

# Institution integration (issue 5): requests per minute per credential unless the credential
# sets its own limit (the LRS and the integration API answer 429 with Retry-After beyond it).
INTEGRATION_RATE_LIMIT_PER_MINUTE = envint("TISHENG_INTEGRATION_RATE_LIMIT_PER_MINUTE", "600")
# Named so other apps' models can point at it (integration.InstitutionApplication).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# OAuth2 / OpenID Connect provider (django-oauth-toolkit, under /o/): institutions' platforms get
# client-credentials tokens for the LRS and the integration API, and sign teachers in with
# OIDC (authorization code + PKCE). id_tokens are signed RS256 with TISHENG_OIDC_RSA_PRIVATE_KEY;
# without it a development key is generated once into var/ (see integration/oidc_key.py).
from tisheng.integration.oidc_key import load_or_create as _oidc_key  # noqa: E402

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _oidc_key(envstr("TISHENG_OIDC_RSA_PRIVATE_KEY", ""), VAR_DIR),
    "OIDC_ISS_ENDPOINT": envstr("TISHENG_OIDC_ISSUER", ""),
    "OAUTH2_VALIDATOR_CLASS": "tisheng.integration.oidc.TishengValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Name, school and program enrollments",
        "xapi": "Report learning records to the LRS and read the roster",
    },
    "DEFAULT_SCOPES": ["openid", "profile", "xapi"],
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": envint("TISHENG_OAUTH2_TOKEN_SECONDS", "3600"),
    # Single sign-on refresh tokens: a week, so `tisheng cleartokens` can drop expired tokens.
    "REFRESH_TOKEN_EXPIRE_SECONDS": 7 * 24 * 3600,
    # RFC 9700 (OAuth 2.0 Security BCP), as `check --deploy` asks: no implicit and no password
    # grant (tisheng's validator refuses them too), PKCE S256 only, bearer tokens in the header
    # only, `iss` in authorization responses, tokens stored hashed, a replayed refresh token
    # revokes its family, https redirect URIs (http too while developing, DEBUG on).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not DEBUG,  # developing: http allowed, a warning
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if DEBUG else ["https"],
    # Discovery advertises only what the token and authorization endpoints accept.
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "client_credentials", "refresh_token"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
}

# Signing in through the province identity platform (accounts/federation): an OpenID Connect
# provider (discovery URL, client id and secret) and/or a CAS server; either one, once set, puts
# "通过省教育资源公共服务平台登录" on the login page. LINK_BY says how a first sign-in finds its tisheng
# account: "national_id" (the claim/attribute LINK_CLAIM carries the national ID; only its keyed
# hash is compared, nothing is stored), "tisheng_id" (tisheng's own teacher id, as the platform
# got it from tisheng) or "none" (the user always links by proving their tisheng password).
FEDERATION_OIDC = {
    "DISCOVERY_URL": envstr("TISHENG_IDP_OIDC_DISCOVERY_URL", ""),
    "CLIENT_ID": envstr("TISHENG_IDP_OIDC_CLIENT_ID", ""),
    "CLIENT_SECRET": envstr("TISHENG_IDP_OIDC_CLIENT_SECRET", ""),
    "SCOPE": envstr("TISHENG_IDP_OIDC_SCOPE", "openid profile"),
    "LINK_BY": envstr("TISHENG_IDP_OIDC_LINK_BY", "national_id"),
    "LINK_CLAIM": envstr("TISHENG_IDP_OIDC_LINK_CLAIM", "id_card"),
}
FEDERATION_CAS = {
    "SERVER_URL": envstr("TISHENG_IDP_CAS_URL", ""),
    "VERSION": envstr("TISHENG_IDP_CAS_VERSION", "3"),
    "LINK_BY": envstr("TISHENG_IDP_CAS_LINK_BY", "national_id"),
    "LINK_CLAIM": envstr("TISHENG_IDP_CAS_LINK_ATTRIBUTE", "id_card"),
}

# Keys still at their public development defaults (the values above, or the OIDC key generated into
# var/): `tisheng check --deploy` fails on them (tisheng/core/checks.py) and `tisheng serve` refuses
# to start on them with DEBUG off unless TISHENG_ALLOW_DEV_KEYS=1 (`make run`, the tests' servers).
DEVELOPMENT_KEYS = [name for name, dev in (
    ("TISHENG_SECRET_KEY", SECRET_KEY.startswith("dev-only-")),
    ("TISHENG_ID_ENCRYPTION_KEY", ID_ENCRYPTION_KEY.startswith("dev-only-")),
    ("TISHENG_ID_HASH_KEY", ID_HASH_KEY.startswith("dev-only-")),
    ("TISHENG_CERT_SIGNING_KEY", not envstr("TISHENG_CERT_SIGNING_KEY", "").strip()),
    ("TISHENG_OIDC_RSA_PRIVATE_KEY", not envstr("TISHENG_OIDC_RSA_PRIVATE_KEY", "").strip()),
) if dev]
ALLOW_DEV_KEYS = envbool("TISHENG_ALLOW_DEV_KEYS", "false")
