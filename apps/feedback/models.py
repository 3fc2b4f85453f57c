"""Feedback sent from the landing page and the app; read by staff in the admin."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThanOrEqual

from apps.core.models import BaseModel


class FeedbackSource(models.TextChoices):
    LANDING = "landing", "Landing page"
    APP_BUG = "app_bug", "App bug"
    APP_FEEDBACK = "app_feedback", "App feedback"


MESSAGE_MIN_LENGTH = 10


class Feedback(BaseModel):
    """One message. Anyone may send it; ``user`` is set when the sender was signed in.

    No IP address is kept: abuse is handled by the route's rate limit, and an address stored
    only to be looked at later is personal data with no use.
    """

    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=255)
    message = models.TextField(max_length=5000)
    source = models.CharField(
        max_length=16, choices=FeedbackSource.choices, default=FeedbackSource.LANDING
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=FeedbackSource.values), name="feedback_source_valid"
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length(Trim("name")), 1),
                name="feedback_name_not_blank",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length(Trim("message")), MESSAGE_MIN_LENGTH),
                name="feedback_message_min_length",
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()} from {self.name} <{self.email}>"
