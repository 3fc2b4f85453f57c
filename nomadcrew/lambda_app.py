"""The WSGI application Zappa serves on Lambda (``app_function`` in zappa_settings.json).

It is imported once per execution environment, in Lambda's init phase when the function has
INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT set (zappa_settings.json): it copies the secrets named by ARN
in the environment into the environment before Django reads its settings, builds Django's WSGI
app, loads the URLconf (every view module) and registers the SnapStart hooks, so the first request
and a SnapStart snapshot find an app ready to serve.
"""

import json
import os
from urllib.parse import quote

# Bounded so a missing VPC endpoint fails the cold start in seconds, not at Lambda's timeout.
_SECRETS_CLIENT_CONFIG = {
    "connect_timeout": 3,
    "read_timeout": 5,
    "retries": {"max_attempts": 3, "mode": "standard"},
}


def database_url(secret: dict, *, host: str | None = None) -> str:
    """DATABASE_URL from an RDS-style secret (username, password, host, port, dbname)."""
    return "postgres://{user}:{password}@{host}:{port}/{name}".format(
        user=quote(str(secret["username"]), safe=""),
        password=quote(str(secret["password"]), safe=""),
        host=host or secret["host"],
        port=secret.get("port") or 5432,
        name=quote(str(secret.get("dbname") or "nomadcrew"), safe=""),
    )


def load_secrets(environ=os.environ) -> None:
    """Copy Secrets Manager secrets into the environment; variables already set win.

    ``APP_SECRETS_ARN`` names a flat JSON object of variables (DJANGO_SECRET_KEY,
    EXPO_ACCESS_TOKEN); ``DATABASE_SECRET_ARN`` the database's secret, turned into DATABASE_URL
    (``DATABASE_HOST``, an RDS Proxy endpoint for example, replaces the secret's host).
    """
    app_arn = environ.get("APP_SECRETS_ARN", "")
    database_arn = environ.get("DATABASE_SECRET_ARN", "")
    if not app_arn and not (database_arn and "DATABASE_URL" not in environ):
        return
    import boto3  # deferred: only deployments that name a secret pay for it
    from botocore.config import Config

    client = boto3.client(
        "secretsmanager",
        region_name=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None,
        config=Config(**_SECRETS_CLIENT_CONFIG),
    )

    def read(arn: str) -> dict:
        return json.loads(client.get_secret_value(SecretId=arn)["SecretString"])

    if app_arn:
        for key, value in read(app_arn).items():
            environ.setdefault(key, str(value))
    if database_arn and "DATABASE_URL" not in environ:
        environ["DATABASE_URL"] = database_url(
            read(database_arn), host=environ.get("DATABASE_HOST") or None
        )


def _create_application():
    load_secrets()
    from django.urls import get_resolver

    from nomadcrew import snapstart
    from nomadcrew.wsgi import application

    # Importing every view now moves that work out of the first request (and into the snapshot).
    get_resolver().url_patterns  # noqa: B018
    snapstart.register()
    return application


application = _create_application()
