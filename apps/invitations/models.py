"""Invitations to join a trip, sent by email to an address that may not have an account yet."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from apps.core.models import BaseModel
from apps.trips.models import MemberRole, Trip


class InvitationStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    ACCEPTED = "ACCEPTED", "Accepted"
    # Declined by the invitee, or revoked by a trip admin (then ``revoked_by`` is set): the
    # contract has no REVOKED status and the app knows DECLINED.
    DECLINED = "DECLINED", "Declined"
    # Set by the hourly job once ``expires_at`` has passed while still PENDING.
    EXPIRED = "EXPIRED", "Expired"


# An invitation never makes an owner: a trip's owners are its creator and nobody else.
INVITABLE_ROLES = (MemberRole.ADMIN, MemberRole.MEMBER)
INVITABLE_ROLE_CHOICES = [(r.value, r.label) for r in INVITABLE_ROLES]


class Invitation(BaseModel):
    """An invitation of an email address to a trip, with the role the invitee will get.

    At most one PENDING invitation per (trip, email): inviting the same address again re-sends
    the email of the existing one. ``email_sent_at`` makes the email task idempotent; a resend
    clears it on purpose and counts itself in ``resend_count``.
    """

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="invitations")
    # An inviter who deletes their account leaves the invitation valid.
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    invitee_email = models.EmailField(max_length=254)
    # The invitee's account when it is known: at creation if exactly one account has the
    # address, otherwise when they accept.
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_received",
    )
    # Made by the member-add route, from a user id: the inviter never learned the address, and
    # the trip must not learn it from the invitation either (only co-members see emails).
    invitee_email_private = models.BooleanField(default=False)
    role = models.CharField(max_length=16, choices=INVITABLE_ROLE_CHOICES)
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    expires_at = models.DateTimeField()
    email_sent_at = models.DateTimeField(null=True, blank=True)
    resend_count = models.PositiveIntegerField(default=0)
    responded_at = models.DateTimeField(null=True, blank=True)  # accepted, declined or revoked
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "invitee_email"],
                condition=Q(status=InvitationStatus.PENDING),
                name="invitation_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in INVITABLE_ROLES]),
                name="invitation_role_invitable",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values), name="invitation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(invitee_email=Lower("invitee_email")),
                name="invitation_email_lower_case",
            ),
            # Answered invitations say when; open ones (pending or lapsed) don't.
            models.CheckConstraint(
                condition=Q(
                    status__in=[InvitationStatus.PENDING, InvitationStatus.EXPIRED],
                    responded_at__isnull=True,
                )
                | Q(
                    status__in=[InvitationStatus.ACCEPTED, InvitationStatus.DECLINED],
                    responded_at__isnull=False,
                ),
                name="invitation_responded_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(revoked_by__isnull=True) | Q(status=InvitationStatus.DECLINED),
                name="invitation_revoked_means_declined",
            ),
        ]
        indexes = [
            # An admin's list: one trip's invitations, newest first.
            models.Index(fields=["trip", "-created_at"], name="invitation_trip_created_idx"),
            # The hourly expiry sweep only looks at pending rows.
            models.Index(
                fields=["expires_at"],
                condition=Q(status=InvitationStatus.PENDING),
                name="invitation_pending_expiry_idx",
            ),
        ]

    def __str__(self):
        return f"{self.invitee_email} to {self.trip_id} ({self.role}, {self.status})"

    @property
    def shown_email(self) -> str:
        """The address as the trip's members and the link's holder may see it."""
        return "" if self.invitee_email_private else self.invitee_email
