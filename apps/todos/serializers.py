"""Input validation and output shape of the todos API (contract §6)."""

from typing import Any

from djangorestframework_camel_case.util import camelize
from rest_framework import serializers

from apps.todos.models import TEXT_MAX_LENGTH, Todo, TodoStatus
from apps.trips.serializers import TripDateField, TripDateOutputField, UpperChoiceField


class TodoSerializer(serializers.ModelSerializer):
    """The Todo object. ``dueDate`` is a calendar date written like trip dates (midnight UTC)."""

    trip_id = serializers.UUIDField(read_only=True)
    created_by = serializers.UUIDField(source="created_by_id", read_only=True, allow_null=True)
    assigned_to = serializers.UUIDField(source="assigned_to_id", read_only=True, allow_null=True)
    completed_by = serializers.UUIDField(source="completed_by_id", read_only=True, allow_null=True)
    due_date = TripDateOutputField(read_only=True, allow_null=True)

    class Meta:
        model = Todo
        fields = [
            "id",
            "trip_id",
            "text",
            "status",
            "created_by",
            "assigned_to",
            "due_date",
            "created_at",
            "updated_at",
            "completed_at",
            "completed_by",
        ]
        read_only_fields = fields


def todo_payload(todo: Todo) -> dict[str, Any]:
    """The Todo for TODO_CREATED/TODO_UPDATED events: the response body, camelCased here
    because event payloads skip the renderer."""
    return dict(camelize(TodoSerializer(todo).data))


def _text_field(**kwargs) -> serializers.CharField:
    # Trimmed first, so "   " is blank and the length counts what is stored.
    return serializers.CharField(max_length=TEXT_MAX_LENGTH, trim_whitespace=True, **kwargs)


class TodoCreateSerializer(serializers.Serializer):
    text = _text_field()
    assigned_to = serializers.UUIDField(required=False, allow_null=True)
    due_date = TripDateField(required=False, allow_null=True)
    trip_id = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        write_only=True,
        help_text="Accepted for older app builds and ignored: the trip in the path wins.",
    )

    def validate(self, attrs):
        attrs.pop("trip_id", None)
        return attrs


class TodoUpdateSerializer(serializers.Serializer):
    """Every field optional; ``null`` clears the assignee or the due date."""

    text = _text_field(required=False)
    status = UpperChoiceField(choices=TodoStatus.choices, required=False)
    assigned_to = serializers.UUIDField(required=False, allow_null=True)
    due_date = TripDateField(required=False, allow_null=True)


class TodoListQuerySerializer(serializers.Serializer):
    status = UpperChoiceField(choices=TodoStatus.choices, required=False, allow_blank=True)
