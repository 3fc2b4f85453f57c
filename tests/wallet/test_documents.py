"""Reading, editing and deleting documents; who may; what the audit log records."""

import time

import pytest
import requests
from django.core import signing

from apps.trips.models import Membership
from apps.wallet import services
from apps.wallet.models import AuditAction, WalletAuditLog, WalletDocument
from tests.factories import MembershipFactory, UserFactory, WalletDocumentFactory
from tests.wallet.conftest import PDF, multipart

pytestmark = pytest.mark.django_db
PERSONAL = "/v1/wallet/documents"


def _detail(document) -> str:
    return f"/v1/wallet/documents/{document.pk}"


def _actions(document) -> list[str]:
    return list(
        WalletAuditLog.objects.filter(document_id=document.pk)
        .order_by("created_at")
        .values_list("action", flat=True)
    )


@pytest.fixture
def uploaded(user_client, wallet_bucket):
    """A personal PDF uploaded through the API (object in moto S3)."""
    answer = multipart(user_client, PERSONAL, PDF, name="Passport scan")
    assert answer.status_code == 201, answer.content
    return WalletDocument.objects.get(pk=answer.json()["id"])


@pytest.fixture
def group_document(trip_with_roles, wallet_bucket):
    crew = trip_with_roles
    answer = multipart(
        crew.client("member"),
        f"/v1/trips/{crew.trip.pk}/wallet/documents",
        PDF,
        documentType="flight_booking",
        name="Flights",
    )
    assert answer.status_code == 201, answer.content
    return WalletDocument.objects.get(pk=answer.json()["id"])


# --- Access ---------------------------------------------------------------------------------


def test_personal_documents_are_invisible_to_everyone_else(client_for, user, uploaded):
    trip_admin_of_a_shared_trip = UserFactory()
    shared = MembershipFactory(user=user).trip
    MembershipFactory(trip=shared, user=trip_admin_of_a_shared_trip, role="ADMIN")
    others = [UserFactory(), UserFactory(is_staff=True), trip_admin_of_a_shared_trip]

    for other in others:
        client = client_for(other)
        assert client.get(_detail(uploaded)).status_code == 404
        assert client.put(_detail(uploaded), {"name": "x"}, format="json").status_code == 404
        assert client.delete(_detail(uploaded)).status_code == 404
        assert client.get(PERSONAL).json()["data"] == []
    assert WalletDocument.objects.get(pk=uploaded.pk).name == "Passport scan"
    assert _actions(uploaded) == [AuditAction.UPLOAD]


def test_trip_documents_are_every_active_members_and_only_the_uploader_edits(
    trip_with_roles, group_document
):
    crew = trip_with_roles
    for role in ("owner", "admin", "member"):
        assert crew.client(role).get(_detail(group_document)).status_code == 200
    assert crew.client("stranger").get(_detail(group_document)).status_code == 404

    for role in ("owner", "admin"):
        edit = crew.client(role).put(_detail(group_document), {"name": "Mine"}, format="json")
        assert edit.status_code == 403
        assert edit.json()["code"] == "not_uploader"
        assert crew.client(role).delete(_detail(group_document)).status_code == 403
    assert WalletDocument.objects.get(pk=group_document.pk).name == "Flights"


def test_leaving_the_trip_ends_access_at_once_even_to_a_token_in_hand(
    trip_with_roles, group_document, api_client
):
    crew = trip_with_roles
    token = crew.client("admin").get(_detail(group_document)).json()["downloadUrl"]
    Membership.objects.filter(trip=crew.trip, user=crew.admin).update(status="INACTIVE")

    assert crew.client("admin").get(_detail(group_document)).status_code == 404
    assert crew.client("admin").get(f"/v1/trips/{crew.trip.pk}/wallet/documents").status_code == 404
    assert api_client.get(f"/v1/wallet/files/{token}").status_code == 404


def test_lists_hold_the_right_wallet_newest_first_with_flat_queries(
    user, user_client, trip_with_roles, django_assert_max_num_queries
):
    crew = trip_with_roles
    mine = [WalletDocumentFactory(user=user) for _ in range(3)]
    WalletDocumentFactory()  # someone else's
    WalletDocumentFactory(user=user, deleted_at="2030-01-01T00:00:00Z")
    group = [
        WalletDocumentFactory(user=crew.member, trip=crew.trip, storage_key=f"k/{n}")
        for n in range(4)
    ]
    WalletDocumentFactory(user=user, trip=MembershipFactory(user=user).trip, storage_key="k/x")

    user_client.get(PERSONAL)  # warm the authentication cache
    with django_assert_max_num_queries(4):
        body = user_client.get(PERSONAL, {"limit": 2}).json()
    assert body["pagination"] == {"limit": 2, "offset": 0, "total": 3}
    assert [d["id"] for d in body["data"]] == [str(d.pk) for d in reversed(mine)][:2]
    assert "downloadUrl" not in body["data"][0]

    client = crew.client("member")
    client.get(f"/v1/trips/{crew.trip.pk}/wallet/documents")
    with django_assert_max_num_queries(5):
        body = client.get(f"/v1/trips/{crew.trip.pk}/wallet/documents").json()
    assert {d["id"] for d in body["data"]} == {str(d.pk) for d in group}


# --- Editing and deleting -------------------------------------------------------------------


def test_update_whitelists_metadata_against_the_new_type(user_client, uploaded):
    WalletDocument.objects.filter(pk=uploaded.pk).update(
        metadata={"passport_number": "X1", "expiry_date": "2030-01-01"}
    )
    answer = user_client.put(
        _detail(uploaded),
        {"documentType": "visa", "name": "Visa", "metadata": {"visa_type": "work", "bad": 1}},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["metadata"] == {"visa_type": "work"}
    stored = WalletDocument.objects.get(pk=uploaded.pk)
    assert (stored.document_type, stored.name, stored.expires_on) == ("visa", "Visa", None)

    retyped = user_client.put(_detail(uploaded), {"documentType": "other"}, format="json")
    assert retyped.json()["metadata"] == {}  # nothing of a visa's is an "other"'s key
    assert _actions(uploaded) == [AuditAction.UPLOAD, AuditAction.UPDATE, AuditAction.UPDATE]


def test_delete_removes_the_file_at_once_and_keeps_the_row_hidden(
    user_client, uploaded, wallet_bucket, s3, django_capture_on_commit_callbacks
):
    token = user_client.get(_detail(uploaded)).json()["downloadUrl"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = user_client.delete(_detail(uploaded))

    assert answer.status_code == 200
    assert answer.json() == {"message": "Document deleted successfully"}
    assert WalletDocument.objects.get(pk=uploaded.pk).deleted_at is not None
    assert s3.list_objects_v2(Bucket=wallet_bucket, Prefix="wallet/").get("KeyCount", 0) == 0
    assert user_client.get(_detail(uploaded)).status_code == 404
    assert user_client.get(PERSONAL).json()["data"] == []
    assert user_client.get(f"/v1/wallet/files/{token}").status_code == 404
    assert _actions(uploaded) == [AuditAction.UPLOAD, AuditAction.VIEW, AuditAction.DELETE]


# --- Downloads ------------------------------------------------------------------------------


def test_view_then_download_redirects_to_a_short_presigned_url(
    user, user_client, uploaded, api_client
):
    answer = user_client.get(_detail(uploaded), HTTP_USER_AGENT="NomadCrew/1.0 (iOS)")
    assert answer.status_code == 200
    token = answer.json()["downloadUrl"]
    assert "/" not in token

    download = api_client.get(f"/v1/wallet/files/{token}", HTTP_USER_AGENT="Safari")

    assert download.status_code == 307
    assert download["Cache-Control"] == "no-store"
    location = download["Location"]
    assert "X-Amz-Expires=300" in location
    assert "attachment" in requests.utils.unquote(location)
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["Content-Disposition"].startswith("attachment")
    view, download_row = (
        WalletAuditLog.objects.filter(document_id=uploaded.pk)
        .exclude(action=AuditAction.UPLOAD)
        .order_by("created_at")
    )
    assert (view.action, view.user_agent, view.user_id) == (
        AuditAction.VIEW,
        "NomadCrew/1.0 (iOS)",
        user.pk,
    )
    assert (download_row.action, download_row.user_agent) == (AuditAction.DOWNLOAD, "Safari")
    assert download_row.ip_address == "127.0.0.1"


def test_local_storage_serves_the_bytes_as_an_attachment(user, api_client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path
    document = WalletDocumentFactory(user=user, name="Passport.pdf", storage_key="wallet/p/1.pdf")
    (tmp_path / "wallet" / "p").mkdir(parents=True)
    (tmp_path / "wallet" / "p" / "1.pdf").write_bytes(PDF)
    token = services.download_token(document=document, user=user)

    answer = api_client.get(f"/v1/wallet/files/{token}")

    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == PDF
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == 'attachment; filename="Passport.pdf"'
    assert answer["Cache-Control"] == "no-store"
    assert answer["X-Content-Type-Options"] == "nosniff"


class _SignedLongAgo(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 16 * 60)


def test_an_expired_token_says_so(user, api_client, wallet_bucket):
    document = WalletDocumentFactory(user=user)
    token = _SignedLongAgo(salt=services.DOWNLOAD_TOKEN_SALT).sign_object(
        [document.pk.hex, user.pk.hex]
    )

    answer = api_client.get(f"/v1/wallet/files/{token}")

    assert answer.status_code == 400
    assert answer.json()["code"] == "token_expired"
    assert not WalletAuditLog.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_a_token_for_another_document_or_tampered_with_is_refused(user, api_client, wallet_bucket):
    document = WalletDocumentFactory(user=user)
    other = WalletDocumentFactory()
    token = services.download_token(document=document, user=user)
    payload, timestamp, signature = token.split(":")
    forged = signing.dumps([other.pk.hex, user.pk.hex], salt="some.other.use")
    swapped = ":".join(
        [
            signing.dumps([other.pk.hex, user.pk.hex], salt=services.DOWNLOAD_TOKEN_SALT).split(
                ":"
            )[0],
            timestamp,
            signature,
        ]
    )

    for bad in [f"{payload}:{timestamp}:{signature[:-2]}xx", forged, swapped, "garbage"]:
        answer = api_client.get(f"/v1/wallet/files/{bad}")
        assert answer.status_code == 400, bad
        assert answer.json()["code"] == "invalid_token"
    assert not WalletAuditLog.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_the_audit_log_cannot_be_rewritten(user, uploaded):
    from django.db import DatabaseError, connection, transaction

    from apps.wallet.models import AppendOnlyError

    entry = WalletAuditLog.objects.get(document_id=uploaded.pk)
    entry.action = AuditAction.VIEW
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        WalletAuditLog.objects.filter(pk=entry.pk).update(action="view")
    with pytest.raises(AppendOnlyError):
        WalletAuditLog.objects.all().delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM wallet_walletauditlog")
    assert WalletAuditLog.objects.get(pk=entry.pk).action == AuditAction.UPLOAD


def test_erasing_a_users_personal_documents_removes_rows_and_objects(
    user, uploaded, group_document, wallet_bucket, s3, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.wallet_erase_personal_documents(user=user) == 1

    assert not WalletDocument.objects.filter(pk=uploaded.pk).exists()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=wallet_bucket).get("Contents", [])]
    assert keys == [group_document.storage_key]


def test_deleting_the_account_erases_personal_documents_and_keeps_the_trips(
    user, uploaded, group_document, wallet_bucket, s3, django_capture_on_commit_callbacks
):
    from apps.users.services import user_delete_account

    with django_capture_on_commit_callbacks(execute=True):
        user_delete_account(user=user)

    assert not WalletDocument.objects.filter(pk=uploaded.pk).exists()
    assert WalletDocument.objects.filter(pk=group_document.pk).exists()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=wallet_bucket).get("Contents", [])]
    assert keys == [group_document.storage_key]


@pytest.mark.parametrize("deleted", ["user", "trip"])
def test_a_row_deleted_by_cascade_takes_its_object_with_it(
    deleted, trip_with_roles, group_document, wallet_bucket, s3, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (group_document.user if deleted == "user" else trip_with_roles.trip).delete()

    assert not WalletDocument.objects.filter(pk=group_document.pk).exists()
    assert s3.list_objects_v2(Bucket=wallet_bucket).get("KeyCount", 0) == 0
