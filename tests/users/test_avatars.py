"""Avatar uploads: presigned POST straight to S3 (moto server), confirm, and multipart."""

import io

import boto3
import pytest
import requests

from apps.users.models import User

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def upload_to_s3(form: dict, data: bytes, content_type: str) -> requests.Response:
    return requests.post(
        form["url"],
        data=form["fields"],
        files={"file": ("avatar", data, content_type)},
        timeout=10,
    )


def test_presigned_upload_lands_in_the_bucket_and_profile_url_works(
    user, user_client, s3_bucket, moto_endpoint
):
    form = user_client.post("/v1/users/me/avatar/upload-url", {"contentType": "image/png"})
    assert form.status_code == 200, form.content
    body = form.json()
    assert body["key"].startswith(f"avatars/{user.id}/")
    assert body["fields"]["Content-Type"] == "image/png"  # S3's field names, not camelCased
    assert body["maxBytes"] == 5 * 1024 * 1024

    assert upload_to_s3(body, PNG, "image/png").status_code in (200, 201, 204)
    stored = boto3.client("s3", endpoint_url=moto_endpoint).get_object(
        Bucket=s3_bucket, Key=body["key"]
    )
    assert stored["Body"].read() == PNG

    confirmed = user_client.post("/v1/users/me/avatar/confirm", {"key": body["key"]})
    assert confirmed.status_code == 200, confirmed.content
    url = confirmed.json()["avatarUrl"]
    assert "X-Amz-Signature" in url  # presigned, short-lived
    assert requests.get(url, timeout=10).content == PNG
    user.refresh_from_db()
    assert user.avatar_key == body["key"]


def test_replacing_an_avatar_deletes_the_old_object(
    user, user_client, s3_bucket, moto_endpoint, django_capture_on_commit_callbacks
):
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    keys = []
    for data in (PNG, JPEG):
        content_type = "image/png" if data is PNG else "image/jpeg"
        form = user_client.post(
            "/v1/users/me/avatar/upload-url", {"contentType": content_type}
        ).json()
        upload_to_s3(form, data, content_type)
        with django_capture_on_commit_callbacks(execute=True):
            user_client.post("/v1/users/me/avatar/confirm", {"key": form["key"]})
        keys.append(form["key"])
    listed = s3.list_objects_v2(Bucket=s3_bucket, Prefix=f"avatars/{user.id}/")
    assert [o["Key"] for o in listed.get("Contents", [])] == [keys[1]]


def test_confirming_someone_elses_key_is_refused(user, user_client, s3_bucket):
    response = user_client.post(
        "/v1/users/me/avatar/confirm", {"key": "avatars/another-user/x.png"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_upload_key"
    user.refresh_from_db()
    assert user.avatar_key == ""


def test_confirming_before_uploading_is_refused(user, user_client, s3_bucket):
    form = user_client.post("/v1/users/me/avatar/upload-url", {"contentType": "image/png"})
    response = user_client.post("/v1/users/me/avatar/confirm", {"key": form.json()["key"]})
    assert response.status_code == 400
    assert response.json()["code"] == "upload_not_found"


def test_upload_url_refuses_non_images(user_client, s3_bucket):
    response = user_client.post("/v1/users/me/avatar/upload-url", {"contentType": "text/html"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_content_type"


def test_upload_url_without_a_bucket_says_use_multipart(user_client):
    response = user_client.post("/v1/users/me/avatar/upload-url", {"contentType": "image/png"})
    assert response.status_code == 503
    assert response.json()["code"] == "direct_upload_unavailable"


def test_multipart_upload_to_local_storage(user, user_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = io.BytesIO(PNG)
    upload.name = "me.png"
    response = user_client.post("/v1/users/me/avatar", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (tmp_path / user.avatar_key).read_bytes() == PNG
    assert response.json()["avatarUrl"].endswith(".png")


def test_multipart_upload_sniffs_the_content(user, user_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = io.BytesIO(b"<html>not an image</html>")
    upload.name = "innocent.png"
    response = user_client.post("/v1/users/me/avatar", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_content_type"
    assert User.objects.get(pk=user.pk).avatar_key == ""


def test_multipart_upload_to_s3(user, user_client, s3_bucket, moto_endpoint):
    upload = io.BytesIO(JPEG)
    upload.name = "me.jpg"
    response = user_client.post("/v1/users/me/avatar", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert requests.get(response.json()["avatarUrl"], timeout=10).content == JPEG
