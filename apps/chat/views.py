"""HTTP endpoints of trip chat: parse, authorise through the trip's permission table, call one
service or selector, render. Every route answers 404 to non-members (``TripScopedMixin``)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.chat import rules, selectors, services
from apps.chat.serializers import (
    ChatMessageSerializer,
    MessageCreateSerializer,
    MessageEditSerializer,
    MessageListQuerySerializer,
    MessagePageSerializer,
    ReactionInputSerializer,
    ReactionSerializer,
    ReadReceiptSerializer,
    ReadStateSerializer,
)
from apps.trips.permissions import TripScopedMixin


def _message_response(message, *, viewer, status_code=status.HTTP_200_OK) -> Response:
    selectors.attach_reaction_summaries([message], viewer=viewer)
    return Response(ChatMessageSerializer(message).data, status=status_code)


class MessageListView(TripScopedMixin, APIView):
    throttle_scope = {"POST": rules.SEND}
    required_action = {"GET": "chat.read", "POST": "chat.create"}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit", int, description=f"1-{selectors.MAX_PAGE_SIZE} (larger is capped)"
            ),
            OpenApiParameter("cursor", str, description="nextCursor of the previous page"),
        ],
        responses=MessagePageSerializer,
    )
    def get(self, request, trip_id):
        query = MessageListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.message_page(
            trip=self.trip,
            viewer=request.user,
            limit=query.validated_data["limit"],
            cursor=query.validated_data.get("cursor") or None,
        )
        unread = selectors.unread_count(trip=self.trip, user=request.user)
        return Response(MessagePageSerializer(page, context={"unread_count": unread}).data)

    @extend_schema(
        request=MessageCreateSerializer,
        responses={201: ChatMessageSerializer, 200: ChatMessageSerializer},
    )
    def post(self, request, trip_id):
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message, created = services.message_send(
            trip=self.trip, user=request.user, **serializer.validated_data
        )
        if not created:  # a retry: the stored message may have been reacted to since
            return _message_response(message, viewer=request.user)
        message.reaction_summary = []  # a message just stored has no reactions yet
        return Response(ChatMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageDetailView(TripScopedMixin, APIView):
    required_action = {"PUT": "chat.update", "DELETE": "chat.delete"}

    @extend_schema(request=MessageEditSerializer, responses=ChatMessageSerializer)
    def put(self, request, trip_id, message_id):
        serializer = MessageEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_edit(
            membership=self.membership,
            message_id=message_id,
            content=serializer.validated_data["content"],
        )
        return _message_response(message, viewer=request.user)

    @extend_schema(responses=ChatMessageSerializer)
    def delete(self, request, trip_id, message_id):
        message = services.message_delete(membership=self.membership, message_id=message_id)
        return _message_response(message, viewer=request.user)


class ReadReceiptView(TripScopedMixin, APIView):
    """``PUT|POST .../chat/messages/read`` and ``PUT .../chat/last-read``: the app uses all."""

    required_action = "chat.mark_read"
    throttle_scope = rules.READ_RECEIPT

    @extend_schema(request=ReadReceiptSerializer, responses=ReadStateSerializer)
    def put(self, request, trip_id):
        serializer = ReadReceiptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state, _ = services.read_receipt_update(
            trip=self.trip, user=request.user, message_id=serializer.validated_data["message_id"]
        )
        unread = selectors.unread_count(trip=self.trip, user=request.user)
        return Response(ReadStateSerializer(state, context={"unread_count": unread}).data)

    @extend_schema(request=ReadReceiptSerializer, responses=ReadStateSerializer)
    def post(self, request, trip_id):
        return self.put(request, trip_id)


class LastReadView(ReadReceiptView):
    """``PUT .../chat/last-read`` only (the app's read-receipts hook)."""

    http_method_names = ["put", "options"]


class ReactionListView(TripScopedMixin, APIView):
    required_action = {"GET": "chat.read", "POST": "chat.react"}
    throttle_scope = {"POST": rules.REACT}

    @extend_schema(responses=ReactionSerializer(many=True))
    def get(self, request, trip_id, message_id):
        reactions = selectors.reaction_list(trip=self.trip, message_id=message_id)
        return Response(ReactionSerializer(reactions, many=True, context={"trip": self.trip}).data)

    @extend_schema(
        request=ReactionInputSerializer,
        responses={201: ReactionSerializer, 200: ReactionSerializer},
    )
    def post(self, request, trip_id, message_id):
        serializer = ReactionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reaction, created = services.reaction_add(
            trip=self.trip,
            user=request.user,
            message_id=message_id,
            emoji=serializer.validated_data["emoji"],
        )
        return Response(
            ReactionSerializer(reaction, context={"trip": self.trip}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ReactionDetailView(TripScopedMixin, APIView):
    required_action = "chat.react"
    throttle_scope = rules.REACT

    @extend_schema(
        responses=inline_serializer("ReactionRemoved", {"status": serializers.CharField()})
    )
    def delete(self, request, trip_id, message_id, emoji):
        services.reaction_remove(
            trip=self.trip, user=request.user, message_id=message_id, emoji=emoji
        )
        return Response({"status": "Reaction removed"})
