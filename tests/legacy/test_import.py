"""import_legacy against an old database built from tests/legacy/old_schema.sql."""

import json
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from apps.chat.models import ChatMessage, ChatReaction, ChatReadState
from apps.invitations.models import Invitation
from apps.legacy.models import ImportWatermark, LegacyCredential, QuarantinedRow
from apps.locations.models import Location
from apps.notifications.models import Notification
from apps.polls.models import Poll, PollOption, PollVote
from apps.todos.models import Todo
from apps.trips.models import Membership, Trip
from apps.users.models import PushToken, User
from apps.wallet.models import WalletAuditLog, WalletDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(old_db):
    """One old trip with everything the old API served, and its two members."""
    o = old_db
    ada = o.user(email="ada@example.com", username="ada")
    bob = o.user(email="bob@example.com", username="bob")
    o.simple("user_push_tokens", user_id=ada, token="ExponentPushToken[ada]", device_type="ios")
    trip = o.trip(ada, name="Lisbon")
    o.member(trip, ada, "OWNER")
    o.member(trip, bob, "ADMIN")
    invitation = o.simple(
        "trip_invitations", trip_id=trip, inviter_id=ada, invitee_email="Carol@Example.com",
        role="MEMBER", status="PENDING", expires_at=o.clock + timedelta(days=7),
    )  # fmt: skip
    todo = o.simple("todos", trip_id=trip, text="Book the flat", status="COMPLETE", created_by=ada)
    group = o.group(trip, ada)
    side = o.group(trip, bob)  # a second group of the same trip: collapses into the trip
    first = o.message(group, ada, "Hello crew")
    second = o.message(side, bob, "Hi from the side group")
    o.insert("chat_message_reactions", message_id=first, user_id=bob, reaction="👍",
             created_at=o.tick())  # fmt: skip
    o.insert("chat_group_members", group_id=group, user_id=bob, last_read_message_id=first)
    o.insert("chat_group_members", group_id=side, user_id=bob, last_read_message_id=second)
    poll = o.simple(
        "polls", trip_id=trip, question="Beach or museum?", created_by=ada,
        expires_at=o.clock + timedelta(days=1),
    )  # fmt: skip
    beach = o.simple("poll_options", poll_id=poll, text="Beach", position=0, created_by=ada)
    o.simple("poll_options", poll_id=poll, text="Museum", position=0, created_by=ada)
    o.simple("poll_votes", poll_id=poll, option_id=beach, user_id=bob)
    o.simple(
        "locations", trip_id=trip, user_id=bob, latitude=38.712345, longitude=-9.139876,
        accuracy=5.0, timestamp=o.clock, privacy="approximate", is_sharing_enabled=True,
    )  # fmt: skip
    notification = o.simple(
        "notifications", user_id=ada, type="TRIP_MEMBER_JOINED",
        metadata={"tripId": str(trip), "tripName": "Lisbon"}, is_read=False,
    )  # fmt: skip
    o.simple("feedback", name="Ada", email="ada@example.com", message="Lovely app, thanks!")
    document = o.simple(
        "wallet_documents", user_id=ada, wallet_type="personal", document_type="passport",
        name="Passport", file_path=f"wallet/{ada}/passport.pdf", file_size=1234,
        mime_type="application/pdf", metadata={"expiry_date": "2030-05-01"},
    )  # fmt: skip
    group_doc = o.simple(
        "wallet_documents", user_id=bob, trip_id=trip, wallet_type="group",
        document_type="hotel_booking", name="Hotel", file_path=f"wallet/{trip}/hotel.pdf",
        file_size=99, mime_type="application/pdf",
    )  # fmt: skip
    o.simple("wallet_audit_log", user_id=ada, document_id=document, action="upload")
    naive = o.clock.replace(tzinfo=None)
    o.simple("expenses", trip_id=trip, user_id=ada, amount=12.5, created_at=naive, updated_at=naive)
    return locals()


def run(*args) -> dict:
    """import_legacy with a report; returns the report."""
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".json") as f:
        call_command("import_legacy", "--report", f.name, *args)
        return json.loads(f.read())


def totals(report) -> dict:
    keys = ("imported", "updated", "quarantined")
    return {k: sum(t[k] for t in report["tables"].values()) for k in keys}


def test_import_keeps_ids_and_maps_every_table(world):
    w = world
    report = run()

    ada = User.objects.get(pk=w["ada"])
    assert (ada.username, ada.email, ada.first_name) == ("ada", "ada@example.com", "Ada")
    assert ada.preferences == {"theme": "dark"}
    assert ada.contact_email.startswith("contact-")
    assert ada.cognito_sub is None
    assert not ada.has_usable_password()
    credential = LegacyCredential.objects.get(user=ada)
    assert credential.encrypted_password.startswith("$2a$10$")
    assert credential.email == "ada@example.com"
    assert credential.email_confirmed_at
    assert PushToken.objects.get(user=ada).token == "ExponentPushToken[ada]"

    trip = Trip.objects.get(pk=w["trip"])
    assert trip.background_image_url == "https://old.example.com/trips/bg.jpg"
    assert trip.created_by_id == w["ada"]
    assert trip.created_at.tzinfo is not None
    assert {(m.user_id, m.role) for m in Membership.objects.filter(trip=trip)} == {
        (w["ada"], "OWNER"),
        (w["bob"], "ADMIN"),
    }
    invitation = Invitation.objects.get(pk=w["invitation"])
    assert invitation.invitee_email == "carol@example.com"  # the new schema keeps lower case
    assert invitation.email_sent_at is not None  # the old backend sent it: never again
    todo = Todo.objects.get(pk=w["todo"])
    assert todo.status == "COMPLETE"
    assert todo.completed_at is not None

    # Both chat groups land in the trip; the read position is the furthest of the two.
    assert set(ChatMessage.objects.filter(trip=trip).values_list("id", flat=True)) == {
        w["first"],
        w["second"],
    }
    assert ChatReaction.objects.get(message_id=w["first"]).emoji == "👍"
    assert (
        ChatReadState.objects.get(trip=trip, user_id=w["bob"]).last_read_message_id == w["second"]
    )

    poll = Poll.objects.get(pk=w["poll"])
    assert poll.expires_at > poll.created_at
    assert list(PollOption.objects.filter(poll=poll).order_by("position").values_list(
        "text", "position")) == [("Beach", 0), ("Museum", 1)]  # fmt: skip
    assert PollVote.objects.get().option_id == w["beach"]

    location = Location.objects.get()
    assert (location.latitude, location.longitude) == (38.71, -9.14)  # approximate: rounded
    assert location.accuracy == 1000.0

    notification = Notification.objects.get(pk=w["notification"])
    assert notification.type == "TRIP_MEMBER_JOINED"
    assert notification.pushed_at is not None
    document = WalletDocument.objects.get(pk=w["document"])
    assert document.expires_on == date(2030, 5, 1)
    assert document.trip_id is None
    assert WalletDocument.objects.get(pk=w["group_doc"]).trip_id == w["trip"]
    assert WalletAuditLog.objects.get().document_id == w["document"]

    tables = report["tables"]
    assert tables["chat_messages"] == {
        "source": 2, "imported": 2, "updated": 0, "unchanged": 0, "quarantined": 0, "skipped": 0,
    }  # fmt: skip
    assert tables["expenses"]["skipped"] == 1
    assert tables["expenses"]["imported"] == 0
    assert tables["chat_groups"]["skipped"] == 2
    assert report["quarantined"] == []


def test_import_fires_no_events_or_pushes(world, django_capture_on_commit_callbacks, expo_push):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run()
    assert callbacks == []
    assert expo_push.messages == []


def test_imported_user_sees_their_old_world_through_the_api(world, client_for):
    w = world
    run()
    ada = User.objects.get(pk=w["ada"])
    client = client_for(ada)  # sets the Cognito sub on the imported profile, as linking will
    trip = w["trip"]

    me = client.get("/v1/users/me")
    assert me.status_code == 200, me.content
    assert me.json()["id"] == str(w["ada"])
    assert me.json()["username"] == "ada"

    trips = client.get("/v1/trips")
    assert trips.status_code == 200
    assert str(trip) in json.dumps(trips.json())

    members = client.get(f"/v1/trips/{trip}/members").json()
    assert {str(w["ada"]), str(w["bob"])} <= set(json.dumps(members).split('"'))

    chat = client.get(f"/v1/trips/{trip}/chat/messages")
    assert chat.status_code == 200
    body = json.dumps(chat.json())
    assert "Hello crew" in body
    assert "Hi from the side group" in body

    todos = json.dumps(client.get(f"/v1/trips/{trip}/todos").json())
    assert "Book the flat" in todos
    polls = json.dumps(client.get(f"/v1/trips/{trip}/polls").json())
    assert "Beach or museum?" in polls
    assert "Museum" in polls
    notifications = json.dumps(client.get("/v1/notifications").json())
    assert str(w["notification"]) in notifications
    wallet = json.dumps(client.get("/v1/wallet/documents").json())
    assert str(w["document"]) in wallet
    assert "Passport" in wallet
    group_wallet = json.dumps(client.get(f"/v1/trips/{trip}/wallet/documents").json())
    assert str(w["group_doc"]) in group_wallet


def test_second_run_changes_nothing(world):
    run()
    before = {m: list(m.objects.order_by("pk").values()) for m in (User, Trip, ChatMessage, Poll)}
    again = run("--full")
    assert totals(again) == {"imported": 0, "updated": 0, "quarantined": 0}
    assert again["tables"]["chat_messages"]["unchanged"] == 2
    assert {m: list(m.objects.order_by("pk").values()) for m in before} == before
    # Without --full the watermarks leave little to read.
    assert totals(run()) == {"imported": 0, "updated": 0, "quarantined": 0}


def test_incremental_run_takes_only_what_changed_since_the_watermark(world, old_db):
    run()
    marks = dict(ImportWatermark.objects.values_list("source_table", "watermark"))
    assert marks["chat_messages"] is not None
    old_db.message(world["group"], world["bob"], "A new message")
    old_db.conn.execute(
        "UPDATE todos SET text = 'Book the flat by Friday', updated_at = %s WHERE id = %s",
        [old_db.tick(), world["todo"]],
    )
    report = run()
    assert report["tables"]["chat_messages"]["imported"] == 1
    assert report["tables"]["chat_messages"]["source"] == 2  # the new one, and the one at the mark
    assert report["tables"]["todos"]["updated"] == 1
    assert Todo.objects.get(pk=world["todo"]).text == "Book the flat by Friday"
    assert ChatMessage.objects.count() == 3


def test_since_reads_only_rows_changed_after_it(world, old_db):
    run()
    ChatMessage.objects.filter(pk=world["first"]).delete()  # older than the cut: not read again
    cut = old_db.tick()
    late = old_db.message(world["group"], world["ada"], "After the cut")
    report = run("--since", cut.isoformat())
    assert report["tables"]["chat_messages"]["source"] == 1
    assert report["tables"]["auth.users"]["source"] == 0
    assert set(ChatMessage.objects.values_list("id", flat=True)) == {world["second"], late}


def test_since_without_time_zone_is_refused(world):
    with pytest.raises(CommandError, match="time zone"):
        call_command("import_legacy", "--since", "2026-01-01T00:00:00")


def test_bad_rows_are_quarantined_and_the_rest_goes_on(world, old_db):
    o, w = old_db, world
    o.conn.execute("ALTER TABLE trips DROP CONSTRAINT chk_trip_dates")  # rows from before it
    bad_trip = o.trip(w["ada"], start_date=date(2026, 5, 2), end_date=date(2026, 5, 1))
    gone = o.user(deleted_at=o.clock)
    ghost_member = o.member(w["trip"], gone)
    other_poll = o.simple(
        "polls", trip_id=w["trip"], question="Other?", created_by=w["ada"],
        expires_at=o.clock + timedelta(days=1),
    )  # fmt: skip
    wrong_option = o.simple("poll_options", poll_id=other_poll, text="Yes", created_by=w["ada"])
    bad_vote = o.simple("poll_votes", poll_id=w["poll"], option_id=wrong_option, user_id=w["ada"])
    bad_feedback = o.simple(
        "feedback",
        name="Eve",
        email="eve@example.com",
        message="From the newsletter",
        source="mail",
    )
    report = run()

    reasons = {(q["table"], q["id"]): q["reason"] for q in report["quarantined"]}
    assert reasons == {
        ("trips", str(bad_trip)): "end date before start date",
        ("trip_memberships", str(ghost_member)): "membership of a deleted or missing user",
        ("poll_votes", str(bad_vote)): "vote for an option of another poll",
        ("feedback", str(bad_feedback)): "unknown source 'mail'",
    }
    assert report["tables"]["auth.users"]["skipped"] == 1  # the deleted user
    assert report["tables"]["trips"]["quarantined"] == 1
    assert not Trip.objects.filter(pk=bad_trip).exists()
    assert not User.objects.filter(pk=gone).exists()
    assert Membership.objects.filter(trip_id=w["trip"]).count() == 2
    assert QuarantinedRow.objects.filter(source_table="trips", source_id=str(bad_trip)).exists()
    assert ChatMessage.objects.count() == 2  # everything else arrived
    # A quarantined row fixed at the source is retried by the next run, whatever its time.
    o.conn.execute("UPDATE feedback SET source = 'landing' WHERE id = %s", [bad_feedback])
    again = run()
    assert again["tables"]["feedback"]["imported"] == 1
    assert not QuarantinedRow.objects.filter(source_table="feedback").exists()


def test_a_constraint_of_the_new_schema_quarantines_only_the_offending_row(old_db):
    old_db.user(username="Sam")
    twin = old_db.user(username="sam")  # unique in the old schema, not case-insensitively here
    report = run()
    assert [q["id"] for q in report["quarantined"]] == [str(twin)]
    assert "users_username_ci_unique" in report["quarantined"][0]["reason"]
    assert User.objects.filter(username="Sam").exists()


def test_dry_run_writes_nothing(world, capsys):
    report = run("--dry-run")
    assert report["tables"]["trips"]["imported"] == 1
    assert "rolled back" in capsys.readouterr().out
    assert not Trip.objects.exists()
    assert not User.objects.exists()
    assert not ImportWatermark.objects.exists()


def test_verify_passes_after_import_and_fails_on_a_difference(world, capsys):
    run()
    call_command("import_legacy", "--verify")
    assert "DIFFERENT" not in capsys.readouterr().out
    Todo.objects.filter(pk=world["todo"]).update(text="Changed here")
    ChatMessage.objects.filter(pk=world["second"]).delete()
    with pytest.raises(CommandError, match="2 table"):
        call_command("import_legacy", "--verify")
    out = capsys.readouterr().out
    assert "todos: DIFFERENT" in out
    assert "chat_messages: DIFFERENT (source 2, target 1)" in out


def test_a_run_killed_half_way_resumes_without_duplicates(world, old_db, monkeypatch):
    for n in range(7):
        old_db.message(world["group"], world["ada"], f"Message {n}")
    from apps.legacy import importer

    real = importer.Importer._import_batch
    calls = {"n": 0}

    def dying(self, table, rows, *args):
        if table.source == "chat_messages":
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
        return real(self, table, rows, *args)

    monkeypatch.setattr(importer.Importer, "_import_batch", dying)
    with pytest.raises(KeyboardInterrupt):
        call_command("import_legacy", "--batch-size", "3")
    assert ChatMessage.objects.count() == 6  # two batches of three committed
    monkeypatch.undo()
    report = run("--batch-size", "3")
    assert ChatMessage.objects.count() == 9
    assert report["tables"]["chat_messages"]["imported"] == 3


def test_progress_is_plain_lines_off_a_terminal(world, capsys):
    call_command("import_legacy")
    err = capsys.readouterr().err
    assert "chat_messages: 2 rows to read" in err


def test_a_source_url_is_required(settings):
    settings.LEGACY_DATABASE_URL = ""
    with pytest.raises(CommandError, match="LEGACY_DATABASE_URL"):
        call_command("import_legacy")


def test_the_source_is_read_in_a_read_only_transaction(old_db):
    import psycopg

    from apps.legacy.importer import connect_source

    source = connect_source(old_db.url)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        source.execute("DELETE FROM trips")
    source.close()
