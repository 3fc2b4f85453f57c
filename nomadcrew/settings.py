"""Settings for every stage, read from the environment (12-factor).

Defaults run the API on a laptop with nothing installed (SQLite, local media, in-memory cache);
production sets the variables documented in README.md. Nothing here branches on a stage name.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_STATE_DIR = BASE_DIR / ".local"  # developer-machine state: secret key, dev signing key

env = environ.Env()

# --- Core -----------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _local_secret_key() -> str:
    """A per-checkout key for local runs, so sessions survive restarts; never used in production."""
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    path = LOCAL_STATE_DIR / "secret_key"
    if not path.exists():
        LOCAL_STATE_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
APP_VERSION = env.str("APP_VERSION", default="1.0.0")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "storages",
    "channels",
    "apps.core",
    "apps.users",
    "apps.trips",
    "apps.invitations",
    "apps.todos",
    "apps.chat",
    "apps.locations",
    "apps.feedback",
    "apps.polls",
    "apps.notifications",
    "apps.realtime",
    "apps.wallet",
    "apps.legacy",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestContextMiddleware",
    "apps.core.metrics.RequestMetricsMiddleware",  # inside the request id, around everything
    "django.middleware.security.SecurityMiddleware",
    "nomadcrew.staticfiles.StaticFilesMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out sign-in into its 429 page
    # Last, so a database outage in a non-DRF view (admin) is a 503 like in the API.
    "nomadcrew.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "nomadcrew.urls"
WSGI_APPLICATION = "nomadcrew.wsgi.application"
ASGI_APPLICATION = "nomadcrew.asgi.application"
AUTH_USER_MODEL = "users.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
APPEND_SLASH = False  # the mobile client's paths have no trailing slash

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

# --- Database -------------------------------------------------------------------------------
# Aurora PostgreSQL through psycopg 3 in every deployment; SQLite only as the make-run default.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Warm Lambda containers reuse one connection; a paused Aurora answers within the timeout
    # or the request gets a 503 instead of hanging until API Gateway's 29 s limit.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DATABASE_CONNECT_TIMEOUT", default=5
    )
    # Servers outside Lambda (nomadcrew/asgi.py turns it on) keep a pool of connections
    # (psycopg-pool, requirements-asgi.txt) instead of a connect per request; Lambda serves
    # one request at a time per container and keeps its one persistent connection.
    if env.bool("DATABASE_POOL", default=False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django hands connections back to the pool
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }

# --- Cache ---------------------------------------------------------------------------------
# Shared by every process (throttle counters, weather): Redis when configured, else a database
# table, because Lambda containers don't share memory. The table is created by a migration.
# The cache is never worth a slow request: an unreachable Redis fails each call within
# REDIS_TIMEOUT and callers go on without it (apps/core/cache.py).
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT", default=1.0)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    )
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = env.str("DJANGO_STATIC_URL", default="static/")
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
_cloudfront_key = env.str("AWS_CLOUDFRONT_KEY", default="", multiline=True)
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                # Credentials come from the Lambda role (or the AWS_* environment locally).
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
                # A CloudFront domain only with its signing key: every media URL is signed.
                "custom_domain": (_cloudfront_key and env.str("AWS_S3_CUSTOM_DOMAIN", default=""))
                or None,
                "cloudfront_key_id": env.str("AWS_CLOUDFRONT_KEY_ID", default="") or None,
                "cloudfront_key": _cloudfront_key or None,
                # Replaces django-storages' own config, so it carries the addressing style and
                # signature too. botocore's defaults (60 s connect timeout, back-off retries)
                # would hold a request past API Gateway's 29 s when S3 is unreachable; with
                # these the API answers 503 storage_unavailable within seconds.
                "client_config": Config(
                    s3={"addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="virtual")},
                    signature_version="s3v4",
                    connect_timeout=env.float("AWS_S3_CONNECT_TIMEOUT", default=2.0),
                    read_timeout=env.float("AWS_S3_READ_TIMEOUT", default=5.0),
                    retries={
                        "mode": "standard",
                        "total_max_attempts": env.int("AWS_S3_MAX_ATTEMPTS", default=2),
                    },
                ),
                # Media URLs are handed out signed and short-lived, never public.
                "querystring_auth": True,
                "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=900),
                "file_overwrite": False,
                "default_acl": None,
            },
        }
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# On Lambda one container answers under API Gateway's stage path (/dev/...) and on a custom
# domain (no prefix): STATIC_URL stays an absolute path and the storage adds each request's
# script prefix (nomadcrew/staticfiles.py, docs/deploy.md "Static files").
STATIC_URL = STATIC_URL if "://" in STATIC_URL else "/" + STATIC_URL.lstrip("/")
STORAGES["staticfiles"]["BACKEND"] = "nomadcrew.staticfiles.ScriptPrefixedStaticFilesStorage"
WHITENOISE_USE_FINDERS = DEBUG
# Only the hashed names are ever linked ({% static %} reads the manifest): without the unhashed
# copies (and their .gz) the Lambda package is 2 MiB smaller.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Wallet (apps/wallet) -------------------------------------------------------------------
# The wallet's own KMS key: its objects are written with SSE-KMS under it (the bucket policy
# refuses unencrypted puts to wallet/). Empty locally and in tests without KMS: S3's default.
WALLET_KMS_KEY_ID = env.str("WALLET_KMS_KEY_ID", default="")
WALLET_PERSONAL_QUOTA_BYTES = env.int("WALLET_PERSONAL_QUOTA_BYTES", default=100 * 1024 * 1024)
WALLET_TRIP_QUOTA_BYTES = env.int("WALLET_TRIP_QUOTA_BYTES", default=500 * 1024 * 1024)

# --- Security -------------------------------------------------------------------------------
# TLS terminates at API Gateway / the load balancer, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# Off only for plain HTTP on this machine (scripts/run-prod, debug mode).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(v1|health)/?.*$"
CORS_PREFLIGHT_MAX_AGE = 12 * 60 * 60
CORS_EXPOSE_HEADERS = ["Content-Length", "X-Request-ID", "Retry-After"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff password sign-in (the admin, the browsable API) is guarded by django-axes: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked out for
# AXES_COOLOFF_MINUTES (a 429, even with the right password). The pair, not the username alone,
# so a stranger can't lock staff out; the address is API Gateway's (apps.core.client_address),
# which no header forges. Attempts live in the database (its handler): shared by every Lambda.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "apps.core.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Cognito sign-in ------------------------------------------------------------------------
# Without a pool id the app trusts only the local development signer (manage.py dev_token),
# and only while DJANGO_DEBUG is on; a system check refuses that setup in production.
COGNITO_DEV_POOL_ID = "local_devpool"
COGNITO_USER_POOL_ID = env.str("COGNITO_USER_POOL_ID", default=COGNITO_DEV_POOL_ID)
COGNITO_REGION = env.str("COGNITO_REGION", default="") or COGNITO_USER_POOL_ID.split("_", 1)[0]
COGNITO_APP_CLIENT_IDS = env.list("COGNITO_APP_CLIENT_IDS", default=["local-dev-client"])
COGNITO_JWKS_URL = env.str("COGNITO_JWKS_URL", default="")
COGNITO_DEV_JWKS_FILE = LOCAL_STATE_DIR / "dev-cognito-jwks.json"
COGNITO_JWKS_FILE = env.str("COGNITO_JWKS_FILE", default="") or (
    str(COGNITO_DEV_JWKS_FILE) if DEBUG and COGNITO_USER_POOL_ID == COGNITO_DEV_POOL_ID else ""
)
COGNITO_ADMIN_GROUP = env.str("COGNITO_ADMIN_GROUP", default="admins")
COGNITO_ACCEPTED_TOKEN_USES = env.list("COGNITO_ACCEPTED_TOKEN_USES", default=["id", "access"])
COGNITO_JWKS_REFETCH_COOLDOWN_SECONDS = env.int("COGNITO_JWKS_REFETCH_COOLDOWN", default=60)
COGNITO_JWKS_TIMEOUT_SECONDS = env.float("COGNITO_JWKS_TIMEOUT", default=3.0)
COGNITO_CLOCK_SKEW_SECONDS = env.int("COGNITO_CLOCK_SKEW_SECONDS", default=30)

# Sign-in hooks, by dotted path, so an app plugs into the one authentication class and leaves
# with its lines here: token kinds other than Cognito (each claims only its own tokens, checked
# before Cognito's) and resolvers asked once for a Cognito sub no user has yet.
AUTH_TOKEN_VERIFIERS = ["apps.legacy.auth.verify_supabase_token"]
AUTH_UNKNOWN_SUB_RESOLVERS = ["apps.legacy.auth.link_imported_profile"]

# --- Supabase tokens during the switch (apps/legacy) ---------------------------------------
# Off unless an issuer and a key source are set: installed app versions keep working with the
# Supabase access tokens they hold until people update. check --deploy warns while it is on.
LEGACY_SUPABASE_ISSUER = env.str("LEGACY_SUPABASE_ISSUER", default="")
LEGACY_SUPABASE_JWT_SECRET = env.str("LEGACY_SUPABASE_JWT_SECRET", default="")
LEGACY_SUPABASE_JWKS_URL = env.str("LEGACY_SUPABASE_JWKS_URL", default="")

# --- Django REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.authentication.CognitoJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.permissions.IsOnboarded"],
    "DEFAULT_RENDERER_CLASSES": [
        "djangorestframework_camel_case.render.CamelCaseJSONRenderer",
        "djangorestframework_camel_case.render.CamelCaseBrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.CamelCaseJSONParser",
        "djangorestframework_camel_case.parser.CamelCaseFormParser",
        "djangorestframework_camel_case.parser.CamelCaseMultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.RouteGroupThrottle"],
    # Per user (per IP when anonymous) and per route group; override with THROTTLE_RATE_<GROUP>.
    "DEFAULT_THROTTLE_RATES": {
        group: env.str(f"THROTTLE_RATE_{group.upper()}", default=rate)
        for group, rate in {
            "onboard": "10/min",
            "invitations": "30/min",
            "trip_create": "30/min",
            "chat_send": "120/min",
            "user_search": "30/min",
            # REST and the socket count in the same groups (apps.chat.rules.THROTTLE_SCOPES).
            "chat_react": "60/min",
            "chat_read_receipt": "120/min",
            "chat_typing": "120/min",
            "weather": "30/min",
            "feedback": "5/min",
            "uploads": "30/min",
        }.items()
    },
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
JSON_CAMEL_CASE = {
    # Free-form objects the app reads by exact key pass through untouched (contract Part 1 §1).
    # A presigned POST's form fields go back to S3 exactly as S3 named them.
    "JSON_UNDERSCOREIZE": {"ignore_fields": ("metadata", "preferences", "payload", "fields")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NomadCrew API",
    "DESCRIPTION": (
        "The /v1 API of the NomadCrew group-travel app. Real time (the /v1/ws socket, every "
        "event and its payload): [AsyncAPI document](/v1/asyncapi.json)."
    ),
    "VERSION": APP_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets come from our static files, not a CDN (works offline and on Lambda).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "CAMELIZE_NAMES": False,
    # Several models have a "status" or "role"; name each choice set after what it describes.
    "ENUM_NAME_OVERRIDES": {
        "TripStatusEnum": "apps.trips.models.TripStatus",
        "MemberRoleEnum": "apps.trips.models.MemberRole",
        "MembershipStatusEnum": "apps.trips.models.MembershipStatus",
        "InvitationStatusEnum": "apps.invitations.models.InvitationStatus",
        "InvitableRoleEnum": "apps.invitations.models.INVITABLE_ROLE_CHOICES",
        "TodoStatusEnum": "apps.todos.models.TodoStatus",
        "PollStatusEnum": "apps.polls.models.PollStatus",
        "LocationPrivacyEnum": "apps.users.models.LocationPrivacy",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
    ],
}

# --- Notifications, push and email ---------------------------------------------------------
# Expo's push service reaches both platforms; nothing is sent unless a deployment turns it on.
EXPO_PUSH_ENABLED = env.bool("EXPO_PUSH_ENABLED", default=False)
EXPO_PUSH_URL = env.str("EXPO_PUSH_URL", default="https://exp.host/--/api/v2/push/send")
EXPO_ACCESS_TOKEN = env.str("EXPO_ACCESS_TOKEN", default="")  # if the Expo project enforces it
EXPO_PUSH_TIMEOUT_SECONDS = env.float("EXPO_PUSH_TIMEOUT", default=10.0)
# Email goes out through SES (django-ses) once a region is configured; locally to the console.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="NomadCrew <no-reply@nomadcrew.uk>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_ses_region = env.str("AWS_SES_REGION_NAME", default="")
_console_email = "django.core.mail.backends.console.EmailBackend"
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django_ses.SESBackend" if _ses_region else _console_email
)
AWS_SES_REGION_NAME = _ses_region or env.str("AWS_REGION", default="us-east-1")
AWS_SES_REGION_ENDPOINT = env.str(
    "AWS_SES_REGION_ENDPOINT", default=f"email.{AWS_SES_REGION_NAME}.amazonaws.com"
)
# django-ses passes this endpoint to boto3 explicitly, so AWS_ENDPOINT_URL doesn't reach it.
AWS_SES_REGION_ENDPOINT_URL = env.str(
    "AWS_SES_REGION_ENDPOINT_URL", default=f"https://{AWS_SES_REGION_ENDPOINT}"
)
# The email and push tasks raise on failure, so Lambda retries them twice and then dead-letters
# them; the resend schedule sends again what is still unsent this long after it was due (past
# those retries), and gives up on pushes older than the second value (stale news on a phone).
UNSENT_RESEND_AFTER_MINUTES = env.int("UNSENT_RESEND_AFTER_MINUTES", default=15)
PUSH_RESEND_MAX_AGE_HOURS = env.int("PUSH_RESEND_MAX_AGE_HOURS", default=24)

# --- Trips ---------------------------------------------------------------------------------
# The daily schedule moves trips to ACTIVE on their start date and COMPLETED after their end.
TRIP_STATUS_AUTO_ADVANCE = env.bool("TRIP_STATUS_AUTO_ADVANCE", default=True)

# --- Invitations ----------------------------------------------------------------------------
# How long an invitation (and its emailed link) stays valid, and where its links point.
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
FRONTEND_URL = env.str("FRONTEND_URL", default="https://nomadcrew.uk").rstrip("/")

# --- Real time ------------------------------------------------------------------------------
# Trip events reach WebSockets through one publisher (apps.core.events) and these transports
# (apps/realtime): "channels" for ASGI servers (uvicorn), "apigateway" for API Gateway's
# WebSocket API in front of Lambda. Lambda sets AWS_LAMBDA_FUNCTION_NAME, hence the default.
REALTIME_TRANSPORTS = env.list(
    "REALTIME_TRANSPORTS",
    default=["apigateway"] if env.str("AWS_LAMBDA_FUNCTION_NAME", default="") else ["channels"],
)
# Redis pub/sub keeps a trip's events in publish order and costs one PUBLISH per event whatever
# the number of sockets; without Redis, one process's memory (make run). A publish to an
# unreachable Redis gives up within REDIS_TIMEOUT (the request's thread waits on it).
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                        "socket_timeout": REDIS_TIMEOUT_SECONDS,
                    }
                ],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="nomadcrew"),
            },
        }
        if REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
# The app drops a socket that receives nothing for 60 s: the server pings well inside that.
REALTIME_PING_INTERVAL_SECONDS = env.float("REALTIME_PING_INTERVAL", default=25.0)
# API Gateway: the management endpoint that post_to_connection calls
# (https://<api-id>.execute-api.<region>.amazonaws.com/<stage>), how long API Gateway keeps a
# connection (2 h, fixed), how many sockets one request serves inline before handing the
# fan-out to an async task, and how many posts run at once.
WEBSOCKET_API_ENDPOINT = env.str("WEBSOCKET_API_ENDPOINT", default="").rstrip("/")
WEBSOCKET_API_REGION = env.str("WEBSOCKET_API_REGION", default="")
WEBSOCKET_CONNECTION_TTL_SECONDS = env.int("WEBSOCKET_CONNECTION_TTL", default=2 * 60 * 60)
WEBSOCKET_INLINE_FANOUT_MAX = env.int("WEBSOCKET_INLINE_FANOUT_MAX", default=25)
WEBSOCKET_POST_CONCURRENCY = env.int("WEBSOCKET_POST_CONCURRENCY", default=8)

# --- Locations and weather ------------------------------------------------------------------
# Current weather comes from Open-Meteo (no key needed), cached per destination; location
# history older than the retention window is purged every 15 minutes (apps.locations.tasks).
OPEN_METEO_BASE_URL = env.str("OPEN_METEO_BASE_URL", default="https://api.open-meteo.com")
OPEN_METEO_TIMEOUT_SECONDS = env.float("OPEN_METEO_TIMEOUT", default=5.0)
WEATHER_CACHE_SECONDS = env.int("WEATHER_CACHE_SECONDS", default=15 * 60)
LOCATION_RETENTION_HOURS = env.int("LOCATION_RETENTION_HOURS", default=24)

# --- Metrics (apps/core/metrics.py) ---------------------------------------------------------
# CloudWatch EMF lines on stdout; zappa_settings.json turns them on in the stages. The service
# dimension is the function's name on Lambda (nomadcrew-<stage>), so stages stay apart.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=False)
# X-Ray subsegments (apps/core/tracing.py): on with the stage's xray_tracing (zappa_settings.json).
XRAY_TRACING = env.bool("XRAY_TRACING", default=False)
METRICS_SERVICE = env(
    "METRICS_SERVICE", default=env("AWS_LAMBDA_FUNCTION_NAME", default="nomadcrew")
)

# --- Logging -------------------------------------------------------------------------------
# JSON lines on stdout (CloudWatch ingests them), each with the request id. Request bodies,
# headers and tokens are never logged: token values in every record, the servers' own lines
# included, are redacted where records are made (apps/core/logging.py).
# One line per request: the app's access log (nomadcrew.access, with status, duration and
# user). uvicorn's own access log is switched off here rather than by a flag, so it holds however
# uvicorn is started; its other lines (start-up, WebSocket handshakes) use the app's format.
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "apps.core.logging.JsonFormatter"},
        "text": {
            "()": "apps.core.logging.TextFormatter",
            "format": "%(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "nomadcrew.access": {"level": env.str("ACCESS_LOG_LEVEL", default="INFO")},
        "werkzeug": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # a line per staff sign-in otherwise; lockouts still log
        "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "propagate": False},
    },
}

# --- Legacy import (issue 15 §1; goes with apps/legacy after the switch) ---
# The old Go/Supabase database, read-only, and the old S3-compatible bucket for --copy-media.
LEGACY_DATABASE_URL = env.str("LEGACY_DATABASE_URL", default="")
LEGACY_S3_ENDPOINT_URL = env.str("LEGACY_S3_ENDPOINT_URL", default="")
LEGACY_S3_BUCKET = env.str("LEGACY_S3_BUCKET", default="")
LEGACY_S3_REGION = env.str("LEGACY_S3_REGION", default="")
LEGACY_S3_ACCESS_KEY_ID = env.str("LEGACY_S3_ACCESS_KEY_ID", default="")
LEGACY_S3_SECRET_ACCESS_KEY = env.str("LEGACY_S3_SECRET_ACCESS_KEY", default="")
