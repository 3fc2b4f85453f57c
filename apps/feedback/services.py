"""Writes to feedback."""

from apps.feedback.models import Feedback


def feedback_create(*, name: str, email: str, message: str, source: str, user=None) -> Feedback:
    """Store a message; ``user`` only when the sender is an onboarded user."""
    if user is not None and not (user.is_authenticated and getattr(user, "pk", None)):
        user = None
    return Feedback.objects.create(
        name=name, email=email, message=message, source=source, user=user
    )
