"""Wallet fixtures: a moto S3 bucket with the wallet's KMS key, sample files by content, and
helpers for the direct-upload flow (the form POSTed to moto as a phone would)."""

import json

import boto3
import pytest
import requests

from tests.conftest import REGION

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b"0" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
# An executable carrying image/PDF signatures just past its own header.
MZ_WITH_JPEG = b"MZ\xff\xd8\xff\xe0" + b"\x00" * 200
ELF_WITH_HEIC = b"\x7fELF\x00ftypheic" + b"\x00" * 200
MZ_WITH_PDF = b"MZ%PDF-1.7" + b"\x00" * 200


@pytest.fixture
def wallet_bucket(s3_bucket, moto_endpoint, settings):
    """The media bucket, and a KMS key of the wallet's own that every write must use."""
    kms = boto3.client("kms", region_name=REGION, endpoint_url=moto_endpoint)
    settings.WALLET_KMS_KEY_ID = kms.create_key(Description="wallet")["KeyMetadata"]["KeyId"]
    return s3_bucket


@pytest.fixture
def s3(moto_endpoint):
    return boto3.client("s3", region_name=REGION, endpoint_url=moto_endpoint)


def upload_directly(client, path: str, content: bytes, *, content_type="application/pdf") -> str:
    """Steps 1 and 2 of a direct upload: ask for the form, POST the bytes to S3; the key."""
    answer = client.post(f"{path}/upload-url", {"contentType": content_type}, format="json")
    assert answer.status_code == 200, answer.content
    form = answer.json()
    posted = requests.post(
        form["url"], data=form["fields"], files={"file": ("upload", content)}, timeout=10
    )
    assert posted.status_code in (200, 201, 204), posted.text
    return form["key"]


def confirm(client, path: str, key: str, **fields):
    body = {"key": key, "documentType": "passport", "name": "My passport", **fields}
    return client.post(path, body, format="json")


def multipart(client, path: str, content: bytes, *, filename="doc.pdf", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    meta = {"walletType": "personal", "documentType": "passport", "name": "Passport", **fields}
    return client.post(
        path,
        {"file": SimpleUploadedFile(filename, content), "metadata": json.dumps(meta)},
        format="multipart",
    )
