"""HTTP endpoints of the notifications API (contract §10). Every route sees only the caller's
own notifications; someone else's id answers 404, as a missing one does."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from apps.core.querystring import int_param
from apps.notifications import selectors, services
from apps.notifications.serializers import NotificationSerializer

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 10**9  # beyond any real inbox; keeps absurd values inside PostgreSQL's bigint
_STATUSES = {"read": True, "unread": False}


def _limit(raw: str | None) -> int:
    """1-100; anything else (including >100, as the old backend did) means the default."""
    value = int_param(raw, default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT + 1)
    return DEFAULT_LIMIT if value > MAX_LIMIT else value


def _read_filter(raw: str | None) -> bool | None:
    if not raw:
        return None
    if raw not in _STATUSES:
        raise ApplicationError("status must be 'read' or 'unread'", code="invalid_status")
    return _STATUSES[raw]


class NotificationListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description="1-100, default 20"),
            OpenApiParameter("offset", int, description="default 0"),
            OpenApiParameter("status", str, enum=["read", "unread"]),
        ],
        responses=NotificationSerializer(many=True),
    )
    def get(self, request):
        params = request.query_params
        read = _read_filter(params.get("status"))
        notifications = selectors.notification_list_for_user(
            user=request.user,
            read=read,
            limit=_limit(params.get("limit")),
            offset=int_param(params.get("offset"), default=0, minimum=0, maximum=MAX_OFFSET),
        )
        return Response(NotificationSerializer(notifications, many=True).data)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "NotificationsDeleted", {"deleted_count": serializers.IntegerField()}
        ),
    )
    def delete(self, request):
        deleted = services.notification_delete_all(user=request.user)
        return Response({"deleted_count": deleted})


class UnreadCountView(APIView):
    @extend_schema(
        responses=inline_serializer("UnreadCount", {"count": serializers.IntegerField()})
    )
    def get(self, request):
        return Response({"count": selectors.notification_unread_count(user=request.user)})


class ReadAllView(APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer(
            "NotificationsMarkedRead", {"marked_as_read_count": serializers.IntegerField()}
        ),
    )
    def patch(self, request):
        count = services.notification_mark_all_read(user=request.user)
        return Response({"marked_as_read_count": count})


class NotificationReadView(APIView):
    @extend_schema(request=None, responses={204: None})
    def patch(self, request, notification_id):
        services.notification_mark_read(
            user=request.user,
            notification_id=services.parse_notification_id(notification_id),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, notification_id):
        services.notification_delete(
            user=request.user,
            notification_id=services.parse_notification_id(notification_id),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
