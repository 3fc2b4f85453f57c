"""Media on S3 (moto): a direct upload's bytes are checked when it is confirmed, as a multipart
upload's are, and every media URL handed out is signed and short-lived."""

import json
import subprocess
import sys
import time
import uuid
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from storages.backends.s3 import S3Storage

from apps.core import media
from apps.trips.models import TripImage
from tests.conftest import REGION
from tests.trips.test_images import JPEG, PNG, direct_upload, images_url

pytestmark = pytest.mark.django_db


def _exists(moto_endpoint, bucket, key) -> bool:
    listed = boto3.client("s3", region_name=REGION, endpoint_url=moto_endpoint).list_objects_v2(
        Bucket=bucket, Prefix=key
    )
    return listed.get("KeyCount", 0) > 0


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"<html><script>alert(1)</script></html>", "image/png"),
        (b"%PDF-1.7 not an image at all", "image/jpeg"),
        (JPEG, "image/png"),  # an image, but not the one the key says
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "image/webp"),
    ],
    ids=["html", "pdf", "jpeg-as-png", "wav-as-webp"],
)
def test_a_disguised_direct_upload_is_refused_and_deleted(
    trip_with_roles, s3_bucket, moto_endpoint, data, content_type
):
    crew = trip_with_roles
    owner = crew.client("owner")
    key = direct_upload(owner, crew.trip, data=data, content_type=content_type)
    assert _exists(moto_endpoint, s3_bucket, key)

    response = owner.post(images_url(crew.trip), {"key": key})

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_content_type"
    assert set(body) >= {"type", "code", "message", "requestId"}
    assert not TripImage.objects.exists()
    assert not _exists(moto_endpoint, s3_bucket, key)


def test_a_real_image_uploaded_directly_is_accepted(trip_with_roles, s3_bucket, moto_endpoint):
    crew = trip_with_roles
    owner = crew.client("owner")
    key = direct_upload(owner, crew.trip, data=JPEG, content_type="image/jpeg")

    response = owner.post(images_url(crew.trip), {"key": key})

    assert response.status_code == 201, response.content
    assert TripImage.objects.get().key == key
    assert _exists(moto_endpoint, s3_bucket, key)


def test_an_avatar_uploaded_directly_is_sniffed_too(user_client, user, s3_bucket, moto_endpoint):
    form = user_client.post("/v1/users/me/avatar/upload-url", {"contentType": "image/png"}).json()
    requests.post(
        form["url"],
        data=form["fields"],
        files={"file": ("avatar", b"GIF89a not allowed", "image/png")},
        timeout=10,
    )

    response = user_client.post("/v1/users/me/avatar/confirm", {"key": form["key"]})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_content_type"
    user.refresh_from_db()
    assert not user.avatar_key
    assert not _exists(moto_endpoint, s3_bucket, form["key"])


# --- served URLs ----------------------------------------------------------------------------


def test_media_urls_are_presigned_and_expire_within_the_configured_time(s3_bucket, moto_endpoint):
    key = f"trip-images/{uuid.uuid4()}/x.png"
    boto3.client("s3", region_name=REGION, endpoint_url=moto_endpoint).put_object(
        Bucket=s3_bucket, Key=key, Body=PNG
    )

    url = media.media_url(key)

    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Signature"]
    assert int(query["X-Amz-Expires"][0]) == 300  # the fixture's querystring_expire
    assert requests.get(url, timeout=10).content == PNG
    unsigned = url.split("?", 1)[0]
    assert requests.get(unsigned, timeout=10).status_code == 403


def _storage_options(environment: dict) -> dict:
    """The default storage's options as settings.py computes them from this environment."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "o = settings.STORAGES['default']['OPTIONS']; "
        "print(json.dumps({k: v for k, v in o.items() if k != 'client_config'}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "nomadcrew.settings",
        "DJANGO_DEBUG": "true",
        "AWS_STORAGE_BUCKET_NAME": "media",
        **environment,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_storage_signs_urls_for_fifteen_minutes_by_default():
    options = _storage_options({})
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 900


def test_a_cloudfront_domain_without_a_signing_key_is_not_used_for_unsigned_urls():
    options = _storage_options({"AWS_S3_CUSTOM_DOMAIN": "media.nomadcrew.uk"})
    assert options["custom_domain"] is None  # S3's presigned URLs instead


def test_a_cloudfront_domain_with_a_signing_key_serves_signed_expiring_urls():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    options = _storage_options(
        {
            "AWS_S3_CUSTOM_DOMAIN": "media.nomadcrew.uk",
            "AWS_CLOUDFRONT_KEY_ID": "K2JCJMDEHXQW5F",
            "AWS_CLOUDFRONT_KEY": pem,
        }
    )
    assert options["custom_domain"] == "media.nomadcrew.uk"

    url = S3Storage(**options).url("avatars/u/x.png")

    query = parse_qs(urlparse(url).query)
    assert url.startswith("https://media.nomadcrew.uk/avatars/u/x.png?")
    assert query["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"]
    assert query["Signature"]
    assert 0 < int(query["Expires"][0]) - time.time() <= 900
