"""The contract's P1 page (``{"data": [...], "pagination": {limit, offset, total}}``, §0.6).

Paging is lenient, as the contract says: a bad ``limit``/``offset`` means the default, a big
``limit`` the cap.
"""

from dataclasses import dataclass

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from apps.core.querystring import int_param

MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True)
class OffsetPage:
    limit: int
    offset: int

    @classmethod
    def from_request(cls, request, *, default_limit: int, max_limit: int = 100) -> "OffsetPage":
        params = request.query_params
        return cls(
            limit=int_param(
                params.get("limit"), default=default_limit, minimum=1, maximum=max_limit
            ),
            offset=int_param(params.get("offset"), default=0, minimum=0, maximum=MAX_OFFSET),
        )

    def body(self, data, total: int) -> dict:
        return {
            "data": data,
            "pagination": {"limit": self.limit, "offset": self.offset, "total": total},
        }


def page_total(queryset, rows: list, *, offset: int, limit: int) -> int:
    """The total for a page of ``rows`` read from ``queryset``: a short page that holds rows
    (or the first page) says it already, so only a full or overshot page asks for COUNT(*)."""
    if len(rows) < limit and (rows or offset == 0):
        return offset + len(rows)
    return queryset.count()


def offset_page_parameters(*, default_limit: int, max_limit: int = 100) -> list:
    return [
        OpenApiParameter("limit", int, description=f"1-{max_limit}, default {default_limit}"),
        OpenApiParameter("offset", int, description="default 0"),
    ]


def offset_page_schema(name: str, item_serializer) -> serializers.Serializer:
    return inline_serializer(
        f"{name}Page",
        {
            "data": item_serializer(many=True),
            "pagination": inline_serializer(
                f"{name}Pagination",
                {
                    "limit": serializers.IntegerField(),
                    "offset": serializers.IntegerField(),
                    "total": serializers.IntegerField(),
                },
            ),
        },
    )
