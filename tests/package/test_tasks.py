"""apps.users.tasks, called directly (tests/package/test_package.py calls them through Zappa)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.users.models import PushToken
from apps.users.tasks import deactivate_stale_push_tokens
from tests.factories import PushTokenFactory


def _token(*, age_days: int, last_used_days: int | None, is_active: bool = True) -> PushToken:
    token = PushTokenFactory(is_active=is_active)
    now = timezone.now()
    PushToken.objects.filter(pk=token.pk).update(
        created_at=now - timedelta(days=age_days),
        last_used_at=None if last_used_days is None else now - timedelta(days=last_used_days),
    )
    return token


def _active(token: PushToken) -> bool:
    return PushToken.objects.get(pk=token.pk).is_active


@pytest.mark.django_db
def test_tokens_unused_for_ninety_days_are_deactivated():
    never_used_old = _token(age_days=91, last_used_days=None)
    used_long_ago = _token(age_days=500, last_used_days=91)
    used_lately = _token(age_days=500, last_used_days=89)
    never_used_new = _token(age_days=89, last_used_days=None)

    assert deactivate_stale_push_tokens() == 2

    assert not _active(never_used_old)
    assert not _active(used_long_ago)
    assert _active(used_lately)
    assert _active(never_used_new)


@pytest.mark.django_db
def test_running_twice_changes_nothing_more():
    stale = _token(age_days=200, last_used_days=120)
    assert deactivate_stale_push_tokens() == 1
    updated_at = PushToken.objects.get(pk=stale.pk).updated_at

    assert deactivate_stale_push_tokens() == 0
    assert PushToken.objects.get(pk=stale.pk).updated_at == updated_at


@pytest.mark.django_db
def test_already_inactive_tokens_are_not_counted():
    _token(age_days=200, last_used_days=None, is_active=False)
    assert deactivate_stale_push_tokens() == 0


@pytest.mark.django_db
def test_accepts_zappa_arguments_and_a_shorter_age():
    """A schedule passes (event, context); an async task its own keyword arguments."""
    month_old = _token(age_days=400, last_used_days=45)
    event = {"detail-type": "Scheduled Event", "resources": ["arn:aws:events:::rule/x"]}

    assert deactivate_stale_push_tokens(event, None) == 0
    assert deactivate_stale_push_tokens(days=30) == 1
    assert not _active(month_old)
