"""Policy documents: upload (parsed in the background), status, parsed JSON, settings, publish."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from policyledger.web.accounts import permissions
from policyledger.web.api.auth import caller
from policyledger.web.api.errors import ApiError
from policyledger.web.core.api_schemas import ERRORS, WRITE_ERRORS, PageIn, PathId, Text, page
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.documents.services import importing, publish, review
from policyledger.web.documents.services.errors import UploadError
from policyledger.web.uploads import TooLarge, read_capped

router = Router(tags=["政策文件"])

# The same cap as the import page: a batch is parsed in the background one file at a time.
MAX_FILES = 20


class DocumentOut(Schema):
    id: int
    title: str
    issuer: str
    doc_number: str
    signed_on: dt.date | None
    published_on: dt.date | None
    region: str
    status: str = Field(
        ...,
        description="uploaded 上传 / parsing 解析中 / review 待审核 / published 已发布 / failed",
    )
    status_label: str
    error: str
    source_name: str
    source_size: int
    cycle: str = Field(..., description="monthly 按月 / quarterly 按季度")
    cycle_label: str
    default_deadline: dt.date | None
    measure_count: int
    version: int
    created_at: dt.datetime
    published_at: dt.datetime | None


class DocumentPage(Schema):
    items: list[DocumentOut]
    count: int
    limit: int
    offset: int


class DocumentFilter(Schema):
    status: Literal["uploaded", "parsing", "review", "published", "failed"] | None = None


class UploadOut(Schema):
    documents: list[DocumentOut]
    errors: list[str]


class SettingsIn(Schema):
    version: int = Field(..., ge=1, le=2_147_483_647, description="读取时的版本号")
    cycle: Literal["monthly", "quarterly"]
    default_deadline: dt.date | None = None
    title: Text | None = Field(None, max_length=300)


class VersionIn(Schema):
    version: int = Field(..., ge=1, le=2_147_483_647, description="读取时的版本号")


class PublishOut(Schema):
    document: DocumentOut
    tasks: int


def document_out(d: PolicyDocument, measure_count: int | None = None) -> dict[str, Any]:
    return {
        "id": d.pk,
        "title": d.title,
        "issuer": d.issuer,
        "doc_number": d.doc_number,
        "signed_on": d.signed_on,
        "published_on": d.published_on,
        "region": d.region,
        "status": d.status,
        "status_label": d.get_status_display(),
        "error": d.error,
        "source_name": d.source_name,
        "source_size": d.source_size,
        "cycle": d.cycle,
        "cycle_label": d.get_cycle_display(),
        "default_deadline": d.default_deadline,
        "measure_count": measure_count
        if measure_count is not None
        else getattr(d, "measure_count", None) or d.measures.count(),
        "version": d.version,
        "created_at": d.created_at,
        "published_at": d.published_at,
    }


def _counted(qs):
    # defer() keeps the original text and the parse out of list pages: they can be megabytes.
    return qs.defer("original_text", "parsed").annotate(measure_count=Count("measures"))


@router.get("/", response={200: DocumentPage, **ERRORS}, summary="文件列表")
def list_documents(request, filters: Query[DocumentFilter], pagination: Query[PageIn]):
    qs = permissions.visible_documents(caller(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    result = page(_counted(qs).order_by("-created_at", "-id"), pagination)
    result["items"] = [document_out(d, d.measure_count) for d in result["items"]]
    return result


@router.post(
    "/",
    response={201: UploadOut, **WRITE_ERRORS},
    summary="上传文件（管理员，multipart，可多个）",
    description="字段名 files，可重复；支持 .txt/.docx/.pdf（按内容识别类型）。上传后在后台解析，"
    "用 GET /documents/{id} 查询状态，解析完成后状态为 review。",
)
def upload_documents(request, files: File[list[UploadedFile]]):
    user = caller(request)
    permissions.require_admin(user)
    if not files:
        raise ApiError(400, "no_files", "请选择要导入的文件")
    if len(files) > MAX_FILES:
        raise ApiError(400, "too_many_files", f"一次最多导入{MAX_FILES}个文件")
    created, errors = [], []
    for upload in files:
        if upload.size > settings.MAX_UPLOAD_BYTES:
            errors.append(
                f"文件“{upload.name}”过大，上限为 {settings.MAX_UPLOAD_BYTES // 1048576} MB"
            )
            continue
        try:
            data = read_capped(upload, settings.MAX_UPLOAD_BYTES)
            created.append(importing.import_upload(data, upload.name or "", user))
        except (UploadError, TooLarge) as exc:
            errors.append(str(exc))
    if not created:
        raise ApiError(400, "upload_rejected", "；".join(errors) or "没有可导入的文件")
    return Status(201, {"documents": [document_out(d, 0) for d in created], "errors": errors})


@router.get("/{id}", response={200: DocumentOut, **ERRORS}, summary="文件详情与解析状态")
def get_document(request, id: PathId):
    document = permissions.document_for(caller(request), id)
    return document_out(document)


@router.get(
    "/{id}/parsed",
    response={200: dict[str, Any], 409: Any, **ERRORS},
    summary="解析结果（JSON）",
    description="解析器输出的 JSON（与 `policyledger parse --format json` 相同的结构）。",
)
def get_parsed(request, id: PathId):
    document = permissions.document_for(caller(request), id)
    if document.parsed is None:
        raise ApiError(
            409, "not_parsed", f"文件尚未解析完成（当前状态：{document.get_status_display()}）"
        )
    return document.parsed


@router.patch(
    "/{id}", response={200: DocumentOut, **WRITE_ERRORS}, summary="修改报送周期、默认时限、标题"
)
def update_document(request, id: PathId, payload: SettingsIn):
    user = caller(request)
    document = permissions.document_for(user, id)
    permissions.require_admin(user)
    updated = review.update_settings(
        user,
        document.pk,
        payload.version,
        cycle=payload.cycle,
        default_deadline=payload.default_deadline,
        title=payload.title,
    )
    return document_out(updated)


@router.post(
    "/{id}/publish", response={200: PublishOut, **WRITE_ERRORS}, summary="发布（生成任务）"
)
def publish_document(request, id: PathId, payload: VersionIn):
    user = caller(request)
    document = permissions.document_for(user, id)
    permissions.require_admin(user)
    tasks = publish.publish(user, document.pk, payload.version)
    document.refresh_from_db()
    return {"document": document_out(document), "tasks": len(tasks)}
