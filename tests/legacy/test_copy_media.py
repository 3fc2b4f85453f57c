"""--copy-media between two buckets on the moto server: the old one and this project's."""

import uuid

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from apps.trips.models import Trip
from apps.users.models import User
from apps.wallet.models import WalletDocument

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
PDF = b"%PDF-1.7\n" + b"x" * 300


@pytest.fixture
def old_bucket(moto_endpoint, settings):
    name = f"old-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint)
    client.create_bucket(Bucket=name)
    settings.LEGACY_S3_ENDPOINT_URL = moto_endpoint
    settings.LEGACY_S3_BUCKET = name
    settings.LEGACY_S3_REGION = "us-east-1"
    client.bucket = name
    return client


def test_copy_media_copies_each_file_once_under_the_new_key_scheme(
    old_db, old_bucket, s3_bucket, capsys
):
    bucket = old_bucket.bucket
    ada = old_db.user()
    old_db.conn.execute(
        "UPDATE user_profiles SET avatar_url = %s WHERE id = %s",
        [f"https://old.example.com/storage/v1/object/public/{bucket}/avatars/ada.png", ada],
    )
    bob = old_db.user()  # an external picture: not in the old bucket, left as a URL
    old_db.conn.execute(
        "UPDATE user_profiles SET avatar_url = 'https://lh3.example.com/bob.png' WHERE id = %s",
        [bob],
    )
    trip = old_db.trip(ada, background_image_url=f"https://s3.example.com/{bucket}/trips/bg.png")
    document = old_db.simple(
        "wallet_documents", user_id=ada, wallet_type="personal", document_type="passport",
        name="Passport", file_path=f"wallet/{ada}/passport.pdf", file_size=len(PDF),
        mime_type="application/pdf",
    )  # fmt: skip
    old_bucket.put_object(Bucket=bucket, Key="avatars/ada.png", Body=PNG, ContentType="image/png")
    old_bucket.put_object(Bucket=bucket, Key="trips/bg.png", Body=PNG, ContentType="image/png")
    old_bucket.put_object(
        Bucket=bucket, Key=f"wallet/{ada}/passport.pdf", Body=PDF, ContentType="application/pdf"
    )

    call_command("import_legacy", "--copy-media")
    out = capsys.readouterr().out
    assert "media avatars: copied 1, not in the old bucket 1" in out

    user = User.objects.get(pk=ada)
    assert user.avatar_key.startswith(f"avatars/{ada}/legacy-")
    assert user.avatar_key.endswith(".png")
    assert default_storage.open(user.avatar_key).read() == PNG
    assert User.objects.get(pk=bob).avatar_key == ""
    background = Trip.objects.get(pk=trip).background_image_key
    assert background.startswith(f"trip-images/{trip}/legacy-")
    doc = WalletDocument.objects.get(pk=document)
    assert doc.storage_key == f"wallet/personal/{ada}/{document}.pdf"
    assert default_storage.open(doc.storage_key).read() == PDF

    # A second run copies nothing and the import does not undo the new keys.
    call_command("import_legacy", "--full", "--copy-media")
    out = capsys.readouterr().out
    assert "media avatars: already copied 1, not in the old bucket 1" in out
    assert "media wallet files: already copied 1" in out
    assert WalletDocument.objects.get(pk=document).storage_key == doc.storage_key
    assert User.objects.get(pk=ada).avatar_key == user.avatar_key


def test_a_changed_file_is_copied_again(old_db, old_bucket, s3_bucket, capsys):
    bucket = old_bucket.bucket
    ada = old_db.user()
    old_db.conn.execute(
        "UPDATE user_profiles SET avatar_url = %s WHERE id = %s", ["avatars/ada.png", ada]
    )
    old_bucket.put_object(Bucket=bucket, Key="avatars/ada.png", Body=PNG, ContentType="image/png")
    call_command("import_legacy", "--copy-media")
    old_bucket.put_object(
        Bucket=bucket, Key="avatars/ada.png", Body=PNG + b"more", ContentType="image/png"
    )
    capsys.readouterr()
    call_command("import_legacy", "--copy-media")
    assert "media avatars: copied 1" in capsys.readouterr().out
    assert default_storage.open(User.objects.get(pk=ada).avatar_key).read() == PNG + b"more"
