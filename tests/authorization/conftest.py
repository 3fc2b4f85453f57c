"""The world every authorization cell runs in: one trip with a user per role, an author who
owns one of everything, a staff user, an invitee, and a second trip whose objects must stay out
of reach. Users sign in with locally signed tokens (no Cognito round trip per user)."""

import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from apps.invitations.tokens import invitation_token
from apps.trips.models import TripImage
from tests.factories import (
    ChatMessageFactory,
    ChatReactionFactory,
    InvitationFactory,
    LocationFactory,
    MembershipFactory,
    NotificationFactory,
    PollFactory,
    PushTokenFactory,
    TodoFactory,
    TripFactory,
    UserFactory,
    WalletDocumentFactory,
)


@dataclass
class World:
    """``users`` maps each column of the matrix (and a few extras) to a user row; ``world.owner``
    etc. read from it."""

    users: dict
    trip: object
    todo: object
    message: object
    poll: object
    invitation: object
    notification: object
    push_token: object
    location: object
    image: object
    other: SimpleNamespace  # a second trip, owned by someone else, and its objects
    # Wallet: the author's personal document and their document in the trip's group wallet;
    # ``other.wallet_document`` is in the second trip's wallet.
    wallet: SimpleNamespace | None = None

    def __getattr__(self, name):
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def invitation_token(self) -> str:
        return invitation_token(self.invitation)


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """Hundreds of calls from a handful of users: a 429 would hide the authorization answer."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(rates, "100000/min"),
    }


def _user(**kwargs):
    return UserFactory(cognito_sub=str(uuid.uuid4()), **kwargs)


def _member_of(trip, role="MEMBER"):
    return MembershipFactory(trip=trip, role=role, user=_user()).user


def _image(trip, uploader):
    return TripImage.objects.create(
        trip=trip, key=f"trip-images/{trip.pk}/{uuid.uuid4().hex}.png", uploaded_by=uploader
    )


@pytest.fixture
def world(db) -> World:
    owner = _user()
    trip = TripFactory(created_by=owner)
    users = {
        "owner": owner,
        "admin": _member_of(trip, "ADMIN"),
        "member": _member_of(trip),
        "author": _member_of(trip),  # a MEMBER who wrote the todo, message, poll, ...
        "extra": _member_of(trip),  # a MEMBER others remove or promote
        "stranger": _user(),
        "staff": _user(is_staff=True),
        "invitee": _user(),  # holds the trip's pending invitation
        "outsider": _user(),  # someone to add as a member
    }
    author = users["author"]
    message = ChatMessageFactory(trip=trip, sender=author)
    ChatReactionFactory(message=message, user=author, emoji="👍")

    other_owner = _user()
    other_trip = TripFactory(created_by=other_owner, name="Somebody else's trip")
    other_member = _member_of(other_trip)
    other_message = ChatMessageFactory(trip=other_trip, sender=other_member)
    ChatReactionFactory(message=other_message, user=other_member, emoji="👍")
    other = SimpleNamespace(
        trip=other_trip,
        owner=other_owner,
        member=other_member,
        todo=TodoFactory(trip=other_trip, created_by=other_member),
        message=other_message,
        poll=PollFactory(trip=other_trip, created_by=other_member),
        invitation=InvitationFactory(trip=other_trip, inviter=other_owner),
        location=LocationFactory(trip=other_trip, user=other_member),
        image=_image(other_trip, other_owner),
        wallet_document=WalletDocumentFactory(trip=other_trip, user=other_member),
    )
    invitee = users["invitee"]
    return World(
        users=users,
        trip=trip,
        todo=TodoFactory(trip=trip, created_by=author),
        message=message,
        poll=PollFactory(trip=trip, created_by=author),
        invitation=InvitationFactory(
            trip=trip, inviter=owner, invitee=invitee, invitee_email=invitee.email.lower()
        ),
        notification=NotificationFactory(user=author),
        push_token=PushTokenFactory(user=author),
        location=LocationFactory(trip=trip, user=author),
        image=_image(trip, users["admin"]),
        other=other,
        wallet=SimpleNamespace(
            personal=WalletDocumentFactory(user=author),
            group=WalletDocumentFactory(user=author, trip=trip, document_type="flight_booking"),
        ),
    )


@pytest.fixture
def client_as(sign_token):
    """``client_as(user)``: an API client whose bearer token names that user (None: anonymous)."""

    def make(user) -> APIClient:
        client = APIClient(raise_request_exception=False)  # a 500 is an answer to record
        if user is not None:
            token = sign_token({"sub": user.cognito_sub, "email": user.email})
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return make
