"""HTTP endpoints of a trip's todos (contract §6): parse, authorise, call a service, render."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import OffsetPage, offset_page_parameters, offset_page_schema
from apps.todos import selectors, services
from apps.todos.models import TodoStatus
from apps.todos.serializers import (
    TodoCreateSerializer,
    TodoListQuerySerializer,
    TodoSerializer,
    TodoUpdateSerializer,
)
from apps.trips.permissions import TripScopedMixin, check_author_rule

DEFAULT_LIMIT = 100
MAX_LIMIT = 100

TodoPage = offset_page_schema("Todo", TodoSerializer)
DeletedMessage = inline_serializer("TodoDeleted", {"message": serializers.CharField()})


class TodoListCreateView(TripScopedMixin, APIView):
    required_action = {"GET": "todo.read", "POST": "todo.create"}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=TodoStatus.values),
            *offset_page_parameters(default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT),
        ],
        responses=TodoPage,
    )
    def get(self, request, trip_id):
        query = TodoListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        todos = selectors.todo_list(trip=self.trip, status=query.validated_data.get("status"))
        page = OffsetPage.from_request(request, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)
        items = TodoSerializer(todos[page.offset : page.offset + page.limit], many=True).data
        return Response(page.body(items, total=todos.count()))

    @extend_schema(request=TodoCreateSerializer, responses={201: TodoSerializer})
    def post(self, request, trip_id):
        serializer = TodoCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        todo = services.todo_create(trip=self.trip, actor=request.user, **serializer.validated_data)
        return Response(TodoSerializer(todo).data, status=status.HTTP_201_CREATED)


class TodoDetailView(TripScopedMixin, APIView):
    required_action = {"GET": "todo.read", "PUT": "todo.update", "DELETE": "todo.delete"}

    @extend_schema(responses=TodoSerializer)
    def get(self, request, trip_id, todo_id):
        todo = selectors.todo_get(trip=self.trip, todo_id=todo_id)
        return Response(TodoSerializer(todo).data)

    @extend_schema(request=TodoUpdateSerializer, responses=TodoSerializer)
    def put(self, request, trip_id, todo_id):
        serializer = TodoUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        todo = selectors.todo_get(trip=self.trip, todo_id=todo_id)
        # Any member may change the status; content edits are the creator's or ADMIN+'s,
        # which the service checks on the locked row.
        todo = services.todo_update(
            todo=todo,
            actor=request.user,
            data=serializer.validated_data,
            membership=self.membership,
        )
        return Response(TodoSerializer(todo).data)

    @extend_schema(responses=DeletedMessage)
    def delete(self, request, trip_id, todo_id):
        todo = selectors.todo_get(trip=self.trip, todo_id=todo_id)
        check_author_rule(self.membership, "todo.delete", todo.created_by_id)
        services.todo_delete(todo=todo, actor=request.user)
        # 200 with a message, not 204: the contract's shape, which the app already handles.
        return Response({"message": "Todo deleted successfully"})
