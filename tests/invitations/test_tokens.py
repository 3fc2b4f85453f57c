"""Invitation tokens as pure functions: what we sign verifies, anything else never does."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.invitations.tokens import (
    ISSUER,
    ExpiredInvitationToken,
    InvalidInvitationToken,
    derive_key,
    sign_invitation_token,
    verify_invitation_token,
)

KEY = derive_key("test-secret-one")
OTHER_KEY = derive_key("test-secret-two")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

emails = st.emails().map(str.lower)
moments = st.integers(min_value=0, max_value=10**6).map(lambda s: NOW - timedelta(seconds=s))
lifetimes = st.integers(min_value=1, max_value=60 * 60 * 24 * 30).map(
    lambda s: timedelta(seconds=s)
)


def sign(*, invitation_id=None, trip_id=None, email="ana@example.com", issued_at=NOW, ttl=None):
    return sign_invitation_token(
        invitation_id=invitation_id or uuid.uuid4(),
        trip_id=trip_id or uuid.uuid4(),
        invitee_email=email,
        issued_at=issued_at,
        expires_at=issued_at + (ttl or timedelta(days=7)),
        key=KEY,
    )


def claims_of(token: str) -> dict:
    return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})


def segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@given(invitation_id=st.uuids(), trip_id=st.uuids(), email=emails, issued=moments, ttl=lifetimes)
def test_a_signed_token_verifies_to_its_claims_until_it_expires(
    invitation_id, trip_id, email, issued, ttl
):
    expires = issued + ttl
    token = sign_invitation_token(
        invitation_id=invitation_id,
        trip_id=trip_id,
        invitee_email=email,
        issued_at=issued,
        expires_at=expires,
        key=KEY,
    )
    claims = verify_invitation_token(token, keys=[KEY], now=expires - timedelta(seconds=1))
    assert (claims.invitation_id, claims.trip_id, claims.invitee_email) == (
        invitation_id,
        trip_id,
        email,
    )
    assert (claims.issued_at, claims.expires_at) == (issued, expires)
    with pytest.raises(ExpiredInvitationToken) as expired:
        verify_invitation_token(token, keys=[KEY], now=expires + timedelta(seconds=1))
    assert expired.value.claims.invitation_id == invitation_id


@settings(max_examples=200)
@given(data=st.data())
def test_changing_any_character_of_a_token_invalidates_it(data):
    token = sign()
    index = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    )
    tampered = token[:index] + replacement + token[index + 1 :]
    if tampered == token:
        return
    try:
        claims = verify_invitation_token(tampered, keys=[KEY], now=NOW)
    except InvalidInvitationToken:
        return
    # Base64url's last character carries spare bits: a change there may decode to the same
    # bytes, which is the same token, not a forgery.
    assert claims == verify_invitation_token(token, keys=[KEY], now=NOW)


@given(garbage=st.text(max_size=300))
def test_garbage_is_rejected_as_invalid_and_nothing_else(garbage):
    with pytest.raises(InvalidInvitationToken):
        verify_invitation_token(garbage, keys=[KEY], now=NOW)


def test_a_token_signed_with_another_key_is_invalid():
    token = sign()

    with pytest.raises(InvalidInvitationToken, match="signature"):
        verify_invitation_token(token, keys=[OTHER_KEY], now=NOW)


def test_a_rotated_out_key_still_verifies_when_listed_as_a_fallback():
    token = sign()

    assert verify_invitation_token(token, keys=[OTHER_KEY, KEY], now=NOW)


def test_an_expired_token_of_another_key_is_invalid_not_expired():
    token = sign(issued_at=NOW - timedelta(days=30))

    with pytest.raises(InvalidInvitationToken) as rejected:
        verify_invitation_token(token, keys=[OTHER_KEY], now=NOW)
    assert not isinstance(rejected.value, ExpiredInvitationToken)


def test_the_none_algorithm_is_refused():
    claims = claims_of(sign())
    unsigned = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}."

    with pytest.raises(InvalidInvitationToken):
        verify_invitation_token(unsigned, keys=[KEY], now=NOW)


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "someone-else"},
        {"sub": str(uuid.uuid4())},
        {"invitationId": "not-a-uuid"},
        {"tripId": 42},
        {"inviteeEmail": ""},
        {"exp": "tomorrow"},
        {"iat": int((NOW + timedelta(hours=1)).timestamp())},
    ],
    ids=["issuer", "subject", "invitation id", "trip id", "email", "exp type", "future iat"],
)
def test_validly_signed_tokens_with_wrong_claims_are_invalid(change):
    claims = claims_of(sign())
    claims.update(change)

    with pytest.raises(InvalidInvitationToken):
        verify_invitation_token(jwt.encode(claims, KEY, algorithm="HS256"), keys=[KEY], now=NOW)


@pytest.mark.parametrize("claim", ["invitationId", "tripId", "inviteeEmail", "exp", "iat", "iss"])
def test_a_token_missing_a_required_claim_is_invalid(claim):
    claims = claims_of(sign())
    del claims[claim]

    with pytest.raises(InvalidInvitationToken):
        verify_invitation_token(jwt.encode(claims, KEY, algorithm="HS256"), keys=[KEY], now=NOW)


def test_the_token_carries_the_contract_claims():
    invitation_id, trip_id = uuid.uuid4(), uuid.uuid4()
    token = sign(invitation_id=invitation_id, trip_id=trip_id)

    claims = claims_of(token)

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert claims["invitationId"] == claims["sub"] == claims["jti"] == str(invitation_id)
    assert claims["tripId"] == str(trip_id)
    assert claims["inviteeEmail"] == "ana@example.com"
    assert claims["iss"] == ISSUER
    assert claims["exp"] - claims["iat"] == 7 * 24 * 3600


def test_signing_is_deterministic_and_keys_are_derived_per_secret():
    invitation_id, trip_id = uuid.uuid4(), uuid.uuid4()

    assert sign(invitation_id=invitation_id, trip_id=trip_id) == sign(
        invitation_id=invitation_id, trip_id=trip_id
    )
    assert KEY != OTHER_KEY
    assert len(KEY) == 32
    assert b"test-secret-one" not in KEY
