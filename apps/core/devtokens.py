"""Locally signed Cognito-format tokens, so the API can be tried without an AWS account.

The signing key lives in ``.local/`` (git-ignored); its public JWKS is what the app trusts when
``DJANGO_DEBUG`` is on and no pool is configured. Tokens go through the same verification code
as Cognito's.
"""

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

DEV_KID = "nomadcrew-local-dev"


def _private_key_path():
    return settings.LOCAL_STATE_DIR / "dev-cognito-key.pem"


def ensure_dev_key() -> rsa.RSAPrivateKey:
    path = _private_key_path()
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.LOCAL_STATE_DIR.mkdir(exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": DEV_KID, "alg": "RS256", "use": "sig"})
    settings.COGNITO_DEV_JWKS_FILE.write_text(json.dumps({"keys": [public_jwk]}))
    return key


def dev_jwks() -> dict:
    ensure_dev_key()
    return json.loads(settings.COGNITO_DEV_JWKS_FILE.read_text())


def issue_dev_token(
    *,
    email: str,
    sub: str | None = None,
    token_use: str = "id",  # noqa: S107 - a claim value, not a password
    groups=(),
    ttl: int = 3600,
) -> str:
    from apps.core.cognito import issuer

    now = int(time.time())
    claims = {
        "sub": sub or str(uuid.uuid5(uuid.NAMESPACE_URL, f"nomadcrew-dev:{email.lower()}")),
        "iss": issuer(),
        "iat": now,
        "exp": now + ttl,
        "token_use": token_use,
        "cognito:username": email.split("@")[0],
        "jti": str(uuid.uuid4()),
    }
    client_id = settings.COGNITO_APP_CLIENT_IDS[0]
    if token_use == "id":  # noqa: S105 - a claim value, not a password
        claims.update({"aud": client_id, "email": email, "email_verified": True})
    else:
        claims.update({"client_id": client_id, "username": claims["cognito:username"]})
    if groups:
        claims["cognito:groups"] = list(groups)
    return jwt.encode(claims, ensure_dev_key(), algorithm="RS256", headers={"kid": DEV_KID})
