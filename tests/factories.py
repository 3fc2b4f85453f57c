"""factory_boy factories for every model the tests need."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.chat.models import ChatMessage, ChatReaction
from apps.invitations.models import Invitation
from apps.notifications.models import Notification
from apps.trips.models import Membership, Trip
from apps.users.models import PushToken, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"traveller{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = "!"  # API users sign in through Cognito; an unusable password, no hashing cost


class PushTokenFactory(DjangoModelFactory):
    class Meta:
        model = PushToken

    user = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"ExponentPushToken[test-{n}]")
    device_type = "ios"


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    type = "TRIP_INVITATION_RECEIVED"
    metadata = factory.LazyFunction(
        lambda: {"inviterName": "Ana", "tripName": "Lisbon", "tripID": "t-1", "inviterID": "u-1"}
    )
    read = False
    read_at = factory.LazyAttribute(lambda n: timezone.now() if n.read else None)


class TripFactory(DjangoModelFactory):
    """A PLANNING trip whose creator is its OWNER, as ``trip_create`` makes it.

    ``TripFactory(owner=False)`` skips the owner membership.
    """

    class Meta:
        model = Trip
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Trip {n}")
    start_date = factory.LazyFunction(lambda: timezone.now().date() + timedelta(days=30))
    end_date = factory.LazyAttribute(lambda trip: trip.start_date + timedelta(days=7))
    destination_name = "Lisbon"
    destination_address = "Lisbon, Portugal"
    destination_place_id = "ChIJO_PkYRozGQ0R0DaQ5L3rAAQ"
    destination_latitude = 38.7223
    destination_longitude = -9.1393
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner(self, create, extracted, **kwargs):
        if create and extracted is not False and self.created_by_id:
            Membership.objects.create(trip=self, user=self.created_by, role="OWNER")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    trip = factory.SubFactory(TripFactory)
    user = factory.SubFactory(UserFactory)
    role = "MEMBER"
    status = "ACTIVE"


class InvitationFactory(DjangoModelFactory):
    """A PENDING invitation to a fresh address, sent by the trip's creator (its owner)."""

    class Meta:
        model = Invitation

    trip = factory.SubFactory(TripFactory)
    inviter = factory.LazyAttribute(lambda i: i.trip.created_by)
    invitee_email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = "MEMBER"
    status = "PENDING"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    responded_at = factory.LazyAttribute(
        lambda i: timezone.now() if i.status in ("ACCEPTED", "DECLINED") else None
    )


class ChatMessageFactory(DjangoModelFactory):
    """A message by an ACTIVE member; pass ``sender`` to reuse one already in the trip."""

    class Meta:
        model = ChatMessage

    trip = factory.SubFactory(TripFactory)
    sender = factory.LazyAttribute(lambda m: MembershipFactory(trip=m.trip).user)
    content = factory.Sequence(lambda n: f"Message {n}")


class ChatReactionFactory(DjangoModelFactory):
    class Meta:
        model = ChatReaction

    message = factory.SubFactory(ChatMessageFactory)
    user = factory.LazyAttribute(lambda r: r.message.sender)
    emoji = "👍"


class TodoFactory(DjangoModelFactory):
    """An INCOMPLETE todo of a fresh trip, written by the trip's owner unless told otherwise."""

    class Meta:
        model = "todos.Todo"

    trip = factory.SubFactory(TripFactory)
    text = factory.Sequence(lambda n: f"Book thing {n}")
    created_by = factory.LazyAttribute(lambda todo: todo.trip.created_by)
    status = "INCOMPLETE"


class PollFactory(DjangoModelFactory):
    """An open single-choice poll expiring in a day; ``options`` (default 2) makes its
    options, ``PollFactory(options=["Yes", "No", "Maybe"])`` names them."""

    class Meta:
        model = "polls.Poll"
        skip_postgeneration_save = True

    trip = factory.SubFactory(TripFactory)
    question = factory.Sequence(lambda n: f"Where shall we eat, take {n}?")
    created_by = factory.LazyAttribute(lambda poll: poll.trip.created_by)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    allow_multiple_votes = False

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if not create:
            return
        texts = extracted if isinstance(extracted, list | tuple) else ["Option A", "Option B"]
        for position, text in enumerate(texts):
            PollOptionFactory(poll=self, text=text, position=position, created_by=self.created_by)


class PollOptionFactory(DjangoModelFactory):
    class Meta:
        model = "polls.PollOption"

    poll = factory.SubFactory(PollFactory, options=[])
    text = factory.Sequence(lambda n: f"Choice {n}")
    position = factory.Sequence(lambda n: n % 20)


class PollVoteFactory(DjangoModelFactory):
    class Meta:
        model = "polls.PollVote"

    option = factory.SubFactory(PollOptionFactory)
    user = factory.SubFactory(UserFactory)


class LocationFactory(DjangoModelFactory):
    """A precise, shared location in a trip, recorded now (set ``recorded_at`` for history)."""

    class Meta:
        model = "locations.Location"

    user = factory.SubFactory(UserFactory)
    trip = factory.SubFactory(TripFactory)
    latitude = 38.7223
    longitude = -9.1393
    accuracy = 12.0
    privacy = "precise"
    is_sharing_enabled = True
    recorded_at = factory.LazyFunction(timezone.now)


class FeedbackFactory(DjangoModelFactory):
    class Meta:
        model = "feedback.Feedback"

    name = "Ana"
    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    message = "The map is lovely, thank you."
    source = "landing"


class WebSocketConnectionFactory(DjangoModelFactory):
    """An API Gateway connection opened now, expiring after API Gateway's 2 hours."""

    class Meta:
        model = "realtime.WebSocketConnection"

    connection_id = factory.Sequence(lambda n: f"conn-{n}-AbC=")
    user = factory.SubFactory(UserFactory)
    connected_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda c: c.connected_at + timedelta(hours=2))


# --- wallet ------------------------------------------------------------------------------------
class WalletDocumentFactory(DjangoModelFactory):
    """A personal PDF (pass ``trip=`` with ``wallet_type="group"`` for a trip's wallet); the
    row only: tests that need the object behind ``storage_key`` write it themselves."""

    class Meta:
        model = "wallet.WalletDocument"

    user = factory.SubFactory(UserFactory)
    trip = None
    wallet_type = factory.LazyAttribute(lambda d: "group" if d.trip else "personal")
    document_type = "passport"
    name = factory.Sequence(lambda n: f"Passport {n}")
    storage_key = factory.Sequence(lambda n: f"wallet/personal/test/{n}.pdf")
    file_size = 1024
    mime_type = "application/pdf"
    metadata = factory.LazyFunction(dict)
