"""HTTP endpoints of invitations: parse, authorise, call a service or selector, render.

Trip-scoped routes (admins managing their trip's invitations) authorise through
``TripScopedMixin``; the invitee's routes through ``services.check_invitee``; ``details`` and
``join`` are public, the token being the credential.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError, NotFound
from apps.invitations import selectors, services
from apps.invitations.models import Invitation, InvitationStatus
from apps.invitations.serializers import (
    InvitationCreateSerializer,
    InvitationDetailsSerializer,
    InvitationTokenSerializer,
    TripInvitationSerializer,
)
from apps.trips.permissions import TripScopedMixin
from apps.trips.serializers import TripMembershipSerializer
from apps.users.services import user_verified_email

TOKEN_PARAMETER = OpenApiParameter("token", str, required=True, description="invitation token")


def _token_from_body(request) -> str:
    serializer = InvitationTokenSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["token"]


def _verified_email(request) -> str:
    return user_verified_email(user=request.user, token=request.auth)


def _details(invitation_id) -> Invitation:
    invitation = selectors.invitation_details_get(invitation_id=invitation_id)
    if invitation is None:
        raise services.invitation_not_found()
    return invitation


class TripInvitationListView(TripScopedMixin, APIView):
    throttle_scope = {"POST": "invitations"}
    required_action = {"GET": "invitation.list", "POST": "invitation.create"}

    @extend_schema(responses=TripInvitationSerializer(many=True))
    def get(self, request, trip_id):
        invitations = selectors.invitation_list_for_trip(trip=self.trip)
        return Response(TripInvitationSerializer(invitations, many=True).data)

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={
            201: TripInvitationSerializer,
            200: OpenApiResponse(
                TripInvitationSerializer, description="already invited: the email was re-sent"
            ),
        },
    )
    def post(self, request, trip_id):
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, created = services.invitation_create(
            trip=self.trip, inviter=request.user, **serializer.validated_data
        )
        return Response(
            TripInvitationSerializer(invitation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TripInvitationDetailView(TripScopedMixin, APIView):
    required_action = "invitation.revoke"

    @extend_schema(responses={204: None})
    def delete(self, request, trip_id, invitation_id):
        services.invitation_revoke(trip=self.trip, invitation_id=invitation_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationDetailView(APIView):
    """The invitee's view of their invitation."""

    @extend_schema(responses=InvitationDetailsSerializer)
    def get(self, request, invitation_id):
        invitation = _details(invitation_id)
        services.check_invitee(invitation, request.user, _verified_email(request))
        return Response(InvitationDetailsSerializer(invitation).data)


class InvitationAcceptView(APIView):
    throttle_scope = "invitations"

    @extend_schema(request=None, responses=TripMembershipSerializer)
    def post(self, request, invitation_id):
        membership = services.invitation_accept(
            invitation_id=invitation_id, user=request.user, verified_email=_verified_email(request)
        )
        return Response(TripMembershipSerializer(membership).data)


class InvitationDeclineView(APIView):
    throttle_scope = "invitations"

    @extend_schema(request=None, responses={204: None})
    def post(self, request, invitation_id):
        services.invitation_decline(
            invitation_id=invitation_id, user=request.user, verified_email=_verified_email(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationTokenAcceptView(APIView):
    throttle_scope = "invitations"

    @extend_schema(request=InvitationTokenSerializer, responses=TripMembershipSerializer)
    def post(self, request):
        invitation_id = services.invitation_id_from_token(_token_from_body(request))
        membership = services.invitation_accept(
            invitation_id=invitation_id, user=request.user, verified_email=_verified_email(request)
        )
        return Response(TripMembershipSerializer(membership).data)


class InvitationTokenDeclineView(APIView):
    throttle_scope = "invitations"

    @extend_schema(request=InvitationTokenSerializer, responses={204: None})
    def post(self, request):
        invitation_id = services.invitation_id_from_token(_token_from_body(request))
        services.invitation_decline(
            invitation_id=invitation_id, user=request.user, verified_email=_verified_email(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationDetailsByTokenView(APIView):
    """What the app shows before the invitee signs in; the token is the credential."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        responses={
            200: InvitationDetailsSerializer,
            401: OpenApiResponse(description="not a token we signed (code invalid_token)"),
            404: OpenApiResponse(description="the invitation no longer exists"),
        },
    )
    def get(self, request):
        token = request.query_params.get("token", "").strip()
        if not token:
            raise ApplicationError(
                "The invitation token is required.",
                code="missing_token",
                details={"token": ["This query parameter is required."]},
            )
        invitation_id = services.invitation_id_from_token(token)
        return Response(InvitationDetailsSerializer(_details(invitation_id)).data)


class FrontendRedirect(HttpResponseRedirect):
    """A 302 to the app's site; FRONTEND_URL may be a custom scheme (a native deep link)."""

    @property
    def allowed_schemes(self):
        return ["http", "https", urlsplit(settings.FRONTEND_URL).scheme]


def _frontend(path: str, **query) -> FrontendRedirect:
    suffix = f"?{urlencode(query)}" if query else ""
    return FrontendRedirect(f"{settings.FRONTEND_URL}{path}{suffix}")


class InvitationJoinView(APIView):
    """The email link's landing: always a 302 into the app (contract §5's table)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("token", str)],
        responses={302: OpenApiResponse(description="to the app, at FRONTEND_URL")},
    )
    def get(self, request):
        token = request.query_params.get("token", "").strip()
        if not token:
            return _frontend("/join-trip", error="missing_token")
        try:
            invitation_id = services.invitation_id_from_token(token)
            invitation = _details(invitation_id)
        except NotFound:
            return _frontend("/join-trip", error="invitation_not_found")
        except ApplicationError:
            return _frontend("/join-trip", error="invalid_token")
        if invitation.status == InvitationStatus.ACCEPTED:
            return _frontend(f"/trips/{invitation.trip_id}", message="already_joined")
        if invitation.status != InvitationStatus.PENDING:
            return _frontend("/join-trip", error="invitation_processed", status=invitation.status)
        return _frontend("/join-trip", token=token)
