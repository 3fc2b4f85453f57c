"""HTTP endpoints of trips and members: parse, authorise, call a service or selector, render."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import media
from apps.core.pagination import OffsetPage, offset_page_parameters, offset_page_schema
from apps.core.querystring import int_param
from apps.core.serializers import UploadFormSerializer, UploadRequestSerializer
from apps.invitations.serializers import TripInvitationSerializer
from apps.invitations.services import invitation_create_for_user
from apps.trips import selectors, services
from apps.trips.permissions import TripScopedMixin
from apps.trips.serializers import (
    MemberAddSerializer,
    MemberRoleSerializer,
    TripCreatedSerializer,
    TripImageConfirmSerializer,
    TripImageFileSerializer,
    TripImageSerializer,
    TripInputSerializer,
    TripListItemSerializer,
    TripListQuerySerializer,
    TripMemberSerializer,
    TripMembershipSerializer,
    TripSearchSerializer,
    TripSerializer,
    TripStatusInputSerializer,
    TripWithMembersSerializer,
)

# The old app reads the array without paging: the default is the cap, so it sees every trip a
# realistic user has; clients that page pass ``limit``.
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 100
PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description=f"1-{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE}"),
    OpenApiParameter("offset", int, description="default 0"),
]
TOTAL_COUNT_HEADER = "X-Total-Count"


def _page_bound(raw, *, default: int, minimum: int, maximum: int) -> int:
    return int_param(
        raw if isinstance(raw, str | int) else None,
        default=default,
        minimum=minimum,
        maximum=maximum,
    )


def _trip_page(trips, params) -> Response:
    """A bare array, as the contract's trip list shape is; the total goes in ``X-Total-Count``
    so clients that page can, and the old app (which reads the array) keeps working."""
    limit = _page_bound(
        params.get("limit"), default=DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE
    )
    offset = _page_bound(params.get("offset"), default=0, minimum=0, maximum=2**31 - 1)
    total = trips.count()
    response = Response(TripListItemSerializer(trips[offset : offset + limit], many=True).data)
    response[TOTAL_COUNT_HEADER] = str(total)
    return response


class TripListCreateView(APIView):
    throttle_scope = {"POST": "trip_create"}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["PLANNING", "ACTIVE", "COMPLETED", "CANCELLED"]),
            OpenApiParameter("q", str, description="matches name or destination"),
            *PAGE_PARAMETERS,
        ],
        responses=TripListItemSerializer(many=True),
    )
    def get(self, request):
        query = TripListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        trips = selectors.trip_list_for_user(
            user=request.user,
            status=query.validated_data.get("status"),
            query=query.validated_data.get("q", "").strip(),
        )
        return _trip_page(trips, request.query_params)

    @extend_schema(request=TripInputSerializer, responses={201: TripCreatedSerializer})
    def post(self, request):
        serializer = TripInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        trip = services.trip_create(user=request.user, data=serializer.validated_data)
        members = selectors.membership_list(trip=trip)
        return Response(
            TripCreatedSerializer(trip, context={"members": members}).data,
            status=status.HTTP_201_CREATED,
        )


class TripDetailView(TripScopedMixin, APIView):
    required_action = {"GET": "trip.read", "PUT": "trip.update", "DELETE": "trip.delete"}

    @extend_schema(responses=TripSerializer)
    def get(self, request, trip_id):
        return Response(TripSerializer(self.trip).data)

    @extend_schema(request=TripInputSerializer, responses=TripSerializer)
    def put(self, request, trip_id):
        serializer = TripInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        trip = services.trip_update(
            trip=self.trip, actor=request.user, data=serializer.validated_data
        )
        return Response(TripSerializer(trip).data)

    @extend_schema(responses={204: None})
    def delete(self, request, trip_id):
        services.trip_delete(trip=self.trip, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TripStatusView(TripScopedMixin, APIView):
    required_action = "trip.change_status"

    @extend_schema(
        request=TripStatusInputSerializer,
        responses={200: TripSerializer, 409: OpenApiResponse(description="invalid transition")},
    )
    def patch(self, request, trip_id):
        serializer = TripStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        trip = services.trip_change_status(
            trip=self.trip, actor=request.user, status=serializer.validated_data["status"]
        )
        return Response(TripSerializer(trip).data)


class TripDetailsView(TripScopedMixin, APIView):
    required_action = "trip.read"

    @extend_schema(responses=TripWithMembersSerializer)
    def get(self, request, trip_id):
        members = selectors.membership_list(trip=self.trip)
        return Response(TripWithMembersSerializer({"trip": self.trip, "members": members}).data)


class TripSearchView(TripScopedMixin, APIView):
    """Searches the caller's trips (Part 1 §5), not every trip as the old backend did."""

    required_action = "trip.search"

    @extend_schema(request=TripSearchSerializer, responses=TripListItemSerializer(many=True))
    def post(self, request, trip_id):
        serializer = TripSearchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        criteria = serializer.validated_data
        trips = selectors.trip_list_for_user(
            user=request.user,
            destination=criteria.get("destination", "").strip(),
            start_date_from=criteria.get("start_date_from"),
            start_date_to=criteria.get("start_date_to"),
            end_date_to=criteria.get("end_date"),
        )
        return _trip_page(trips, request.data)


class MemberListView(TripScopedMixin, APIView):
    required_action = {"GET": "member.list", "POST": "member.add"}
    throttle_scope = {"POST": "invitations"}  # adding sends an invitation email

    @extend_schema(responses=TripMemberSerializer(many=True))
    def get(self, request, trip_id):
        members = selectors.membership_list(trip=self.trip)
        return Response(TripMemberSerializer(members, many=True).data)

    @extend_schema(
        request=MemberAddSerializer,
        description=(
            "Invites the user: nobody joins a trip without consent. The user becomes a member "
            "only by accepting the invitation (sent to their verified email, and to the app). "
            "Re-adding someone who left invites them again."
        ),
        responses={
            201: OpenApiResponse(TripInvitationSerializer, description="invitation created"),
            200: OpenApiResponse(
                TripInvitationSerializer, description="already invited: the email was re-sent"
            ),
        },
    )
    def post(self, request, trip_id):
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, created = invitation_create_for_user(
            trip=self.trip,
            inviter=request.user,
            user_id=serializer.validated_data["user_id"],
            role=serializer.validated_data["role"],
        )
        return Response(
            TripInvitationSerializer(invitation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MemberDetailView(TripScopedMixin, APIView):
    """``memberId`` is a user id. Your own id means leaving (any member); anyone else's means
    removing them (OWNER)."""

    def get_required_action(self, request) -> str:
        leaving = str(self.kwargs["member_id"]) == str(request.user.pk)
        return "member.leave" if leaving else "member.remove"

    @extend_schema(responses={204: None})
    def delete(self, request, trip_id, member_id):
        services.membership_remove(trip=self.trip, actor=request.user, user_id=member_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberRoleView(TripScopedMixin, APIView):
    required_action = "member.change_role"

    @extend_schema(request=MemberRoleSerializer, responses=TripMembershipSerializer)
    def put(self, request, trip_id, member_id):
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            trip=self.trip,
            actor=request.user,
            user_id=member_id,
            role=serializer.validated_data["role"],
        )
        return Response(TripMembershipSerializer(membership).data)


IMAGE_PAGE_LIMIT = 50


class TripImageListView(TripScopedMixin, APIView):
    """The trip's gallery (MEMBER+) and adding to it (ADMIN+): JSON ``{key}`` after a direct
    upload to S3, or a multipart ``file``."""

    required_action = {"GET": "image.read", "POST": "image.upload"}
    throttle_scope = {"POST": "uploads"}

    @extend_schema(
        parameters=offset_page_parameters(default_limit=IMAGE_PAGE_LIMIT),
        responses=offset_page_schema("TripImage", TripImageSerializer),
    )
    def get(self, request, trip_id):
        page = OffsetPage.from_request(request, default_limit=IMAGE_PAGE_LIMIT)
        images = selectors.trip_image_list(trip=self.trip)
        window = images[page.offset : page.offset + page.limit]
        return Response(page.body(TripImageSerializer(window, many=True).data, images.count()))

    @extend_schema(
        request={
            "application/json": TripImageConfirmSerializer,
            "multipart/form-data": TripImageFileSerializer,
        },
        responses={201: TripImageSerializer},
    )
    def post(self, request, trip_id):
        if request.content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
            serializer = TripImageFileSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            key = media.store_upload(
                kind=media.TRIP_IMAGE,
                owner_id=self.trip.pk,
                upload=serializer.validated_data["file"],
            )
        else:
            serializer = TripImageConfirmSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            key = media.confirm_upload(
                kind=media.TRIP_IMAGE, owner_id=self.trip.pk, key=serializer.validated_data["key"]
            )
        image = services.trip_image_add(
            trip=self.trip,
            actor=request.user,
            key=key,
            set_as_background=serializer.validated_data["set_as_background"],
        )
        return Response(TripImageSerializer(image).data, status=status.HTTP_201_CREATED)


class TripImageUploadUrlView(TripScopedMixin, APIView):
    """Step 1 of a direct upload: a presigned POST form for the trip's image prefix."""

    required_action = "image.upload"
    throttle_scope = "uploads"

    @extend_schema(request=UploadRequestSerializer, responses=UploadFormSerializer)
    def post(self, request, trip_id):
        serializer = UploadRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        form = media.presigned_upload(
            kind=media.TRIP_IMAGE,
            owner_id=self.trip.pk,
            content_type=serializer.validated_data["content_type"],
        )
        return Response(UploadFormSerializer(form).data)


class TripImageDetailView(TripScopedMixin, APIView):
    required_action = "image.delete"

    @extend_schema(responses={204: None})
    def delete(self, request, trip_id, image_id):
        services.trip_image_delete(trip=self.trip, actor=request.user, image_id=image_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
