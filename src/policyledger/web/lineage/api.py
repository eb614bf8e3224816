"""/api/v1/lineage/: measure links (proposed, confirmed, rejected) and their review."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from policyledger.web.accounts import permissions
from policyledger.web.core.api_schemas import ERRORS, MAX_ID, OptionalId, PathId
from policyledger.web.lineage.models import MeasureLink
from policyledger.web.lineage.services import LineageError, links

router = Router(tags=["政策对标"])

# Ids, pages and the error body as the other resources have them (core.api_schemas); errors go
# out through the handlers the api app installs for Http404, PermissionDenied, HttpError.
LinkId = PathId


class MeasureRefOut(Schema):
    id: int
    document_id: int
    document_title: str
    number: str
    heading: str


class LinkOut(Schema):
    id: int
    child: MeasureRefOut
    parent: MeasureRefOut
    score: float
    confidence: str
    shared: list[str]
    status: Literal["proposed", "confirmed", "rejected"]
    decided_by: str | None
    decided_at: dt.datetime | None


class LinkPage(Schema):
    items: list[LinkOut]
    count: int
    limit: int
    offset: int


class LinkFilter(Schema):
    limit: int = Field(50, ge=1, le=200, description="每页条数（最多200）")
    offset: int = Field(0, ge=0, le=MAX_ID, description="从第几条开始（0起）")
    status: Literal["proposed", "confirmed", "rejected"] | None = None
    child_document: OptionalId = Field(None, description="下级文件编号")
    parent_document: OptionalId = Field(None, description="上级文件编号")


class DecisionIn(Schema):
    status: Literal["confirmed", "rejected", "proposed"]


def _ref(measure) -> MeasureRefOut:
    return MeasureRefOut(
        id=measure.pk,
        document_id=measure.document_id,
        document_title=measure.document.title,
        number=measure.number,
        heading=measure.heading,
    )


def _out(link: MeasureLink) -> LinkOut:
    return LinkOut(
        id=link.pk,
        child=_ref(link.child),
        parent=_ref(link.parent),
        score=link.score,
        confidence=link.confidence,
        shared=list(link.shared or []),
        status=link.status,
        decided_by=link.decided_by.get_username() if link.decided_by else None,
        decided_at=link.decided_at,
    )


def _visible(request):
    if permissions.role_of(request.user) is None:
        raise Http404("资源不存在")
    docs = permissions.visible_documents(request.user)
    return MeasureLink.objects.filter(
        child__document__in=docs, parent__document__in=docs
    ).select_related("child__document", "parent__document", "decided_by")


@router.get("/links", response={200: LinkPage, **ERRORS}, summary="承接关系列表")
def list_links(request, filters: Query[LinkFilter]):
    qs = _visible(request)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.child_document:
        qs = qs.filter(child__document_id=filters.child_document)
    if filters.parent_document:
        qs = qs.filter(parent__document_id=filters.parent_document)
    qs = qs.order_by("pk")
    items = [_out(link) for link in qs[filters.offset : filters.offset + filters.limit]]
    return LinkPage(items=items, count=qs.count(), limit=filters.limit, offset=filters.offset)


@router.get("/links/{link_id}", response={200: LinkOut, **ERRORS}, summary="一条承接关系")
def get_link(request, link_id: LinkId):
    return _out(get_object_or_404(_visible(request), pk=link_id))


@router.post(
    "/links/{link_id}/decision",
    response={200: LinkOut, **ERRORS},
    summary="确认或否决承接关系（管理员）",
)
def decide_link(request, link_id: LinkId, body: DecisionIn):
    get_object_or_404(_visible(request), pk=link_id)
    if not permissions.is_admin(request.user):
        raise PermissionDenied("只有牵头办管理员可以确认或否决承接关系")
    try:
        links.decide(request.user, link_id, body.status)
    except LineageError as exc:
        raise HttpError(400, str(exc)) from exc
    return _out(_visible(request).get(pk=link_id))
