"""Trip images (Part 1 §10): direct uploads to the moto S3 bucket, multipart uploads, the
gallery, the trip background, deletion and who may do each."""

import boto3
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.trips.models import Trip, TripImage
from tests.factories import TripFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def images_url(trip) -> str:
    return f"/v1/trips/{trip.id}/images"


def direct_upload(client, trip, data: bytes = PNG, content_type: str = "image/png") -> str:
    """Steps 1 and 2 of the phone's flow: ask for a form, POST the file to S3; returns the key."""
    form = client.post(f"{images_url(trip)}/upload-url", {"contentType": content_type})
    assert form.status_code == 200, form.content
    body = form.json()
    uploaded = requests.post(
        body["url"],
        data=body["fields"],
        files={"file": ("photo", data, content_type)},
        timeout=10,
    )
    assert uploaded.status_code in (200, 201, 204), uploaded.content
    return body["key"]


def test_direct_upload_becomes_the_background(trip_with_roles, s3_bucket, capture_events):
    crew = trip_with_roles
    admin = crew.client("admin")
    key = direct_upload(admin, crew.trip)
    assert key.startswith(f"trip-images/{crew.trip.id}/")

    with capture_events() as events:
        response = admin.post(images_url(crew.trip), {"key": key, "setAsBackground": True})
    assert response.status_code == 201, response.content
    image = response.json()
    assert image["tripId"] == str(crew.trip.id)
    assert image["uploadedBy"] == str(crew.admin.id)
    assert image["isBackground"] is True
    assert requests.get(image["url"], timeout=10).content == PNG
    assert [e.type for e in events] == ["TRIP_UPDATED"]
    assert events[0].payload["changedFields"] == ["backgroundImageUrl"]
    assert events[0].payload["id"] == str(crew.trip.id)

    trip = crew.client("member").get(f"/v1/trips/{crew.trip.id}").json()
    assert "X-Amz-Signature" in trip["backgroundImageUrl"]
    assert requests.get(trip["backgroundImageUrl"], timeout=10).content == PNG


def test_members_list_the_gallery_newest_first_in_flat_queries(
    trip_with_roles, s3_bucket, django_assert_max_num_queries
):
    crew = trip_with_roles
    for index in range(3):
        TripImage.objects.create(
            trip=crew.trip, key=f"trip-images/{crew.trip.id}/{index}.png", uploaded_by=crew.owner
        )
    member = crew.client("member")
    member.get("/v1/users/me")  # sign-in bookkeeping out of the counted request

    with django_assert_max_num_queries(5):
        response = member.get(images_url(crew.trip), {"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"limit": 2, "offset": 0, "total": 3}
    assert [i["url"].split("?")[0].rsplit("/", 1)[-1] for i in body["data"]] == ["2.png", "1.png"]
    assert all(i["isBackground"] is False for i in body["data"])


def test_multipart_upload_is_sniffed_and_stored(trip_with_roles, s3_bucket, moto_endpoint):
    crew = trip_with_roles
    owner = crew.client("owner")
    response = owner.post(
        images_url(crew.trip),
        {"file": SimpleUploadedFile("x.png", JPEG, "image/png")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    stored = TripImage.objects.get(pk=response.json()["id"])
    assert stored.key.endswith(".jpg")  # the content decides, not the declared type
    body = boto3.client("s3", endpoint_url=moto_endpoint).get_object(
        Bucket=s3_bucket, Key=stored.key
    )["Body"]
    assert body.read() == JPEG


def test_multipart_upload_of_something_else_is_refused(trip_with_roles, s3_bucket):
    crew = trip_with_roles
    response = crew.client("owner").post(
        images_url(crew.trip),
        {"file": SimpleUploadedFile("x.png", b"%PDF-1.7 not an image", "image/png")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_content_type"
    assert not TripImage.objects.exists()


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("trip-images/00000000-0000-0000-0000-000000000000/x.png", "invalid_upload_key"),
        ("avatars/someone/x.png", "invalid_upload_key"),
        (None, "upload_not_found"),  # our prefix, but nothing was uploaded
    ],
)
def test_keys_that_are_not_this_trips_uploads_are_refused(trip_with_roles, s3_bucket, key, code):
    crew = trip_with_roles
    key = key or f"trip-images/{crew.trip.id}/never-uploaded.png"
    response = crew.client("owner").post(images_url(crew.trip), {"key": key})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not TripImage.objects.exists()


def test_another_trips_upload_cannot_be_claimed(trip_with_roles, s3_bucket):
    """An ADMIN of two trips uploads to one and cannot attach the object to the other."""
    crew = trip_with_roles
    owner = crew.client("owner")
    other = TripFactory(created_by=crew.owner)
    key = direct_upload(owner, other)
    response = owner.post(images_url(crew.trip), {"key": key})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_upload_key"


def test_the_same_upload_is_added_once(trip_with_roles, s3_bucket):
    crew = trip_with_roles
    owner = crew.client("owner")
    key = direct_upload(owner, crew.trip)
    assert owner.post(images_url(crew.trip), {"key": key}).status_code == 201
    again = owner.post(images_url(crew.trip), {"key": key})
    assert again.status_code == 409
    assert again.json()["code"] == "image_already_added"
    assert TripImage.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "list_status", "upload_status", "delete_status"),
    [
        ("owner", 200, 200, 204),
        ("admin", 200, 200, 204),
        ("member", 200, 403, 403),
        ("stranger", 404, 404, 404),
    ],
)
def test_roles(trip_with_roles, s3_bucket, role, list_status, upload_status, delete_status):
    crew = trip_with_roles
    image = TripImage.objects.create(
        trip=crew.trip, key=f"trip-images/{crew.trip.id}/a.png", uploaded_by=crew.owner
    )
    client = crew.client(role)
    assert client.get(images_url(crew.trip)).status_code == list_status
    upload = client.post(f"{images_url(crew.trip)}/upload-url", {"contentType": "image/png"})
    assert upload.status_code == upload_status
    assert client.delete(f"{images_url(crew.trip)}/{image.id}").status_code == delete_status
    assert TripImage.objects.filter(pk=image.pk).exists() == (delete_status != 204)


def test_deleting_the_background_clears_it_and_the_object(
    trip_with_roles, s3_bucket, moto_endpoint, capture_events
):
    crew = trip_with_roles
    owner = crew.client("owner")
    key = direct_upload(owner, crew.trip)
    Trip.objects.filter(pk=crew.trip.pk).update(background_image_url="https://example.com/a.jpg")
    image_id = owner.post(images_url(crew.trip), {"key": key, "setAsBackground": True}).json()["id"]

    with capture_events() as events:
        response = owner.delete(f"{images_url(crew.trip)}/{image_id}")
    assert response.status_code == 204
    assert [e.type for e in events] == ["TRIP_UPDATED"]
    trip = owner.get(f"/v1/trips/{crew.trip.id}").json()
    assert trip["backgroundImageUrl"] == "https://example.com/a.jpg"  # the URL set before
    listed = boto3.client("s3", endpoint_url=moto_endpoint).list_objects_v2(
        Bucket=s3_bucket, Prefix=key
    )
    assert listed.get("KeyCount", 0) == 0


def test_an_image_of_another_trip_is_not_found(trip_with_roles, s3_bucket):
    crew = trip_with_roles
    other = TripFactory()
    foreign = TripImage.objects.create(trip=other, key=f"trip-images/{other.id}/x.png")
    response = crew.client("owner").delete(f"{images_url(crew.trip)}/{foreign.id}")
    assert response.status_code == 404
    assert response.json()["code"] == "image_not_found"
    assert TripImage.objects.filter(pk=foreign.pk).exists()


def test_setting_a_background_url_replaces_an_uploaded_background(trip_with_roles, s3_bucket):
    crew = trip_with_roles
    owner = crew.client("owner")
    key = direct_upload(owner, crew.trip)
    owner.post(images_url(crew.trip), {"key": key, "setAsBackground": True})

    response = owner.put(
        f"/v1/trips/{crew.trip.id}", {"backgroundImageUrl": "https://example.com/b.jpg"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["backgroundImageUrl"] == "https://example.com/b.jpg"
    crew.trip.refresh_from_db()
    assert crew.trip.background_image_key == ""
    assert TripImage.objects.filter(key=key).exists()  # still in the gallery


def test_trip_cards_get_participant_count(trip_with_roles):
    trips = trip_with_roles.client("member").get("/v1/trips").json()
    assert [(t["memberCount"], t["participantCount"]) for t in trips] == [(3, 3)]
