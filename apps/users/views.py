"""HTTP endpoints of the users API: parse, authorise, call a service or selector, render."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import media, parsers
from apps.core.authentication import CognitoToken
from apps.core.cognito import verify_token
from apps.core.errors import Forbidden, NotFound
from apps.core.permissions import HasCognitoIdentity, IsAppAdmin, IsSignedIn
from apps.core.querystring import int_param
from apps.core.serializers import UploadFormSerializer, UploadRequestSerializer
from apps.trips.permissions import trip_membership_for
from apps.users import selectors, services
from apps.users.models import User
from apps.users.serializers import (
    AvatarConfirmSerializer,
    AvatarFileSerializer,
    ContactEmailSerializer,
    OffsetPageQuerySerializer,
    OnboardSerializer,
    PreferencesSerializer,
    PushTokenDeregisterSerializer,
    PushTokenRegisterSerializer,
    PushTokenSerializer,
    UserProfileSerializer,
    UserSearchQuerySerializer,
    UserSearchResultSerializer,
    UserUpdateSerializer,
)


def _profile(user, viewer) -> dict:
    return UserProfileSerializer(user, context={"viewer": viewer}).data


def _user_for_update(request, user_id) -> User:
    """Self, or an app admin; anyone else is refused before the body is read."""
    target = get_object_or_404(User, pk=user_id, is_active=True)
    if target.pk != request.user.pk and not request.user.is_app_admin:
        raise Forbidden("You can only update your own profile.", code="not_profile_owner")
    return target


class OnboardView(APIView):
    permission_classes = [HasCognitoIdentity]
    throttle_scope = "onboard"

    @extend_schema(request=OnboardSerializer, responses=UserProfileSerializer)
    def post(self, request):
        # The body is optional: none, or JSON null, means no fields; anything else is checked.
        body = request.data
        serializer = OnboardSerializer(data={} if body is None else body)
        serializer.is_valid(raise_exception=True)
        user = services.user_onboard(
            token=request.auth, username=serializer.validated_data.get("username")
        )
        user.in_cognito_admin_group = getattr(request.user, "in_cognito_admin_group", False)
        return Response(_profile(user, user))


class SyncView(APIView):
    @extend_schema(request=None, responses=UserProfileSerializer)
    def post(self, request):
        return Response(_profile(request.user, request.user))


def _deleted_account(request):
    """The deleted account a still-valid bearer token names, if any."""
    token = request.META["HTTP_AUTHORIZATION"].split()[1]
    claims = verify_token(token)  # verified once already; the keys are cached
    user = User.objects.filter(cognito_sub=claims["sub"], deleted_at__isnull=False).first()
    return (user, CognitoToken(raw=token, claims=claims)) if user else None


class MeView(APIView):
    def get_permissions(self):
        """Reading answers a missing profile with 404 (the app's cue to onboard); writes keep
        the default rule (401 ``user_not_onboarded``)."""
        if self.request.method == "GET":
            return [IsSignedIn()]
        return super().get_permissions()

    def perform_authentication(self, request):
        """A deleted account's token may repeat ``DELETE``, so a client whose first deletion
        could not reach Cognito can finish it; everywhere else it is ``account_disabled``."""
        try:
            super().perform_authentication(request)
        except exceptions.AuthenticationFailed as refusal:
            if request.method != "DELETE" or refusal.get_codes() != "account_disabled":
                raise
            deleted = _deleted_account(request)
            if deleted is None:
                raise
            request.user, request.auth = deleted

    @extend_schema(
        responses={
            200: UserProfileSerializer,
            404: OpenApiResponse(description="user_not_onboarded: call POST /v1/users/onboard"),
        }
    )
    def get(self, request):
        if not getattr(request.user, "is_onboarded", True):
            # The app starts onboarding on a 404 (a 401 would make it refresh and sign out).
            raise NotFound("No profile yet: onboard first.", code="user_not_onboarded")
        services.user_touch_last_seen(user=request.user)
        return Response(_profile(request.user, request.user))

    @extend_schema(
        request=None,
        description=(
            "Deletes the caller's account: name, email, avatar, push tokens, locations, "
            "notifications and other personal data go; messages, todos and polls stay, their "
            'author shown as "Deleted user". Trips the caller solely owns pass to their '
            "longest-standing ADMIN, else MEMBER, or are deleted when nobody else is in them. "
            "The Cognito user is deleted last; repeating the call is safe and finishes a "
            "deletion that could not reach Cognito."
        ),
        responses={204: None},
    )
    def delete(self, request):
        services.user_delete_account(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactEmailView(APIView):
    @extend_schema(
        request=ContactEmailSerializer,
        responses=inline_serializer("ContactEmail", {"contact_email": serializers.EmailField()}),
    )
    def put(self, request):
        serializer = ContactEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_set_contact_email(
            user=request.user, email=serializer.validated_data["email"]
        )
        return Response({"contact_email": user.contact_email})


class UserSearchView(APIView):
    throttle_scope = "user_search"  # a directory lookup: bounded against enumeration

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("limit", int, description="1-20, default 10"),
            OpenApiParameter(
                "tripId",
                OpenApiTypes.UUID,
                description="a trip of the caller's: each result's isMember says whether the "
                "user is already an ACTIVE member (the invite picker greys them out)",
            ),
        ],
        responses={
            200: inline_serializer(
                "UserSearchResults", {"users": UserSearchResultSerializer(many=True)}
            ),
            404: OpenApiResponse(description="trip_not_found: tripId is not a trip of yours"),
        },
    )
    def get(self, request):
        params = request.query_params
        query = UserSearchQuerySerializer(
            data={"q": params.get("q"), "trip_id": params.get("tripId")}
        )
        query.is_valid(raise_exception=True)
        limit = int_param(request.query_params.get("limit"), default=10, minimum=1, maximum=20)
        trip_id = query.validated_data.get("trip_id")
        if trip_id is not None:  # the caller's trip, else 404 as on every trip route
            trip_membership_for(request.user, trip_id, "member.list")
        users = selectors.user_search(
            query=query.validated_data["q"], limit=limit, viewer=request.user, trip_id=trip_id
        )
        results = UserSearchResultSerializer(
            users, many=True, context={"query": query.validated_data["q"]}
        )
        return Response({"users": results.data})


class UserListView(APIView):
    """The whole directory is for app admins only: listing every user's email to any
    signed-in user (as the old backend did) would leak the user base."""

    permission_classes = [IsAppAdmin]

    @extend_schema(
        parameters=[OpenApiParameter("offset", int), OpenApiParameter("limit", int)],
        responses=inline_serializer(
            "UserList",
            {
                "users": UserProfileSerializer(many=True),
                "pagination": inline_serializer(
                    "OffsetPagination",
                    {
                        "total": serializers.IntegerField(),
                        "offset": serializers.IntegerField(),
                        "limit": serializers.IntegerField(),
                    },
                ),
            },
        ),
    )
    def get(self, request):
        page = OffsetPageQuerySerializer(data=request.query_params)
        page.is_valid(raise_exception=True)
        offset, limit = page.validated_data["offset"], page.validated_data["limit"]
        users = selectors.user_list()
        return Response(
            {
                "users": UserProfileSerializer(
                    users[offset : offset + limit], many=True, context={"viewer": request.user}
                ).data,
                "pagination": {"total": users.count(), "offset": offset, "limit": limit},
            }
        )


class UserDetailView(APIView):
    @extend_schema(responses=UserProfileSerializer)
    def get(self, request, user_id):
        user = selectors.user_get_for_viewer(user_id, viewer=request.user)
        if user is None:
            raise NotFound("User not found.", code="user_not_found")
        return Response(_profile(user, request.user))

    @extend_schema(request=UserUpdateSerializer, responses=UserProfileSerializer)
    def put(self, request, user_id):
        target = _user_for_update(request, user_id)
        serializer = UserUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=target, data=serializer.validated_data)
        return Response(_profile(user, request.user))


class UserPreferencesView(APIView):
    # The body is the free-form preferences object itself: its keys must reach storage as sent.
    parser_classes = [parsers.JSONParser]

    @extend_schema(
        # PreferencesSerializer has no fields, so it would document no body at all.
        request={
            "application/json": {
                "type": "object",
                "additionalProperties": True,
                "maxProperties": 100,
                "description": "Merged into the stored preferences; a null value deletes its key.",
            }
        },
        responses=UserProfileSerializer,
    )
    def put(self, request, user_id):
        target = _user_for_update(request, user_id)
        serializer = PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_merge_preferences(user=target, preferences=serializer.validated_data)
        return Response(_profile(user, request.user))


class AvatarUploadUrlView(APIView):
    """Step 1 of a direct upload: a presigned POST form for S3."""

    throttle_scope = "uploads"

    @extend_schema(request=UploadRequestSerializer, responses=UploadFormSerializer)
    def post(self, request):
        serializer = UploadRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        form = media.presigned_upload(
            kind=media.AVATAR,
            owner_id=request.user.pk,
            content_type=serializer.validated_data["content_type"],
        )
        return Response(UploadFormSerializer(form).data)


class AvatarConfirmView(APIView):
    """Step 2 of a direct upload: the client says it's there; we check and use it."""

    @extend_schema(request=AvatarConfirmSerializer, responses=UserProfileSerializer)
    def post(self, request):
        serializer = AvatarConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = media.confirm_upload(
            kind=media.AVATAR, owner_id=request.user.pk, key=serializer.validated_data["key"]
        )
        user = services.user_set_avatar(user=request.user, key=key)
        return Response(_profile(user, user))


class AvatarView(APIView):
    """A plain multipart upload (browsable API, local runs without a bucket)."""

    parser_classes = [MultiPartParser]
    throttle_scope = "uploads"

    @extend_schema(request=AvatarFileSerializer, responses=UserProfileSerializer)
    def post(self, request):
        serializer = AvatarFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = media.store_upload(
            kind=media.AVATAR, owner_id=request.user.pk, upload=serializer.validated_data["file"]
        )
        user = services.user_set_avatar(user=request.user, key=key)
        return Response(_profile(user, user))


class PushTokenView(APIView):
    @extend_schema(request=PushTokenRegisterSerializer, responses=PushTokenSerializer)
    def post(self, request):
        serializer = PushTokenRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        push_token = services.push_token_register(user=request.user, **serializer.validated_data)
        return Response(PushTokenSerializer(push_token).data)

    @extend_schema(request=PushTokenDeregisterSerializer, responses={204: None})
    def delete(self, request):
        serializer = PushTokenDeregisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.push_token_deregister(user=request.user, token=serializer.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushTokensView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        services.push_token_deregister_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
