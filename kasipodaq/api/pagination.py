"""Lists answer a page at a time: `limit` rows from `offset`, with the total count."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field
from ninja.pagination import PaginationBase

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10**9


class LimitOffset(PaginationBase):
    class Input(PaginationBase.Input):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    class Output(PaginationBase.Output):
        count: int = Field(description="How many rows match, on every page.")
        limit: int
        offset: int

    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: Input,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        offset, limit = pagination.offset, pagination.limit
        return {
            "items": queryset[offset : offset + limit],
            "count": queryset.count(),
            "limit": limit,
            "offset": offset,
        }
