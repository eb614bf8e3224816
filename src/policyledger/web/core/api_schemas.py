"""Shared pieces of the API's request and response shapes (ids, text, pages, the error body
``{"detail", "code"}``), in core so that every app's router and the project-level api use one
shape without an app importing the api package. The handlers that fill the error body for
``core.errors.ServiceError`` and the rest are installed by ``api.errors``."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Path, Schema
from pydantic import AfterValidator

# Ids are bounded so a guessed id far outside the database's integer range is a 422, not an
# overflow inside the database driver.
MAX_ID = 2_147_483_647
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("不能包含空字符（\\0）")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("包含无效的字符") from None
    return value


# Text the database will store or compare: PostgreSQL refuses NUL characters and lone surrogates.
Text = Annotated[str, AfterValidator(_clean_text)]
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="编号")]
OptionalId = Annotated[int | None, Field(ge=1, le=MAX_ID)]


class PageIn(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（最多200）")
    offset: int = Field(0, ge=0, le=MAX_ID, description="从第几条开始（0起）")


class ErrorOut(Schema):
    detail: str = Field(..., description="错误说明（中文）")
    code: str = Field(..., description="错误代码（英文，供程序判断）")


class IdName(Schema):
    id: int
    name: str


def page(queryset, pagination: PageIn) -> dict:
    """One page of a queryset plus its total: two queries whatever the size."""
    start = pagination.offset
    return {
        "items": list(queryset[start : start + pagination.limit]),
        "count": queryset.count(),
        "limit": pagination.limit,
        "offset": start,
    }


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {**ERRORS, 409: ErrorOut}
