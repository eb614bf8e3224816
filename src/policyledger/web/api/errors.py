"""Every API error as JSON with a Chinese message: ``{"detail": "…", "code": "…"}``.

The services raise ``core.errors.ServiceError`` subclasses (ReviewError, ReportError, ConflictError:
each carries its status and code), Http404 and PermissionDenied; this module maps each to a status and a stable English ``code`` so clients can
branch on the code while people read the detail. Validation errors (422) are translated from
pydantic's error types, so a unit's system sees "完成进度 不能大于100" rather than English.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, HttpError, ValidationError

from policyledger.web.core.errors import CONFLICT_MESSAGE, ServiceError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("policyledger.web.api")

_CJK = re.compile(r"[\u4e00-\u9fff]")


class ApiError(HttpError):
    """An error raised by our endpoints with a status, a code and a Chinese message."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


DEFAULT_MESSAGES = {
    400: ("bad_request", "请求无效"),
    401: ("unauthorized", "未登录或令牌无效：请在 Authorization 头中提供“Bearer 令牌”"),
    403: ("forbidden", "您没有执行此操作的权限"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", CONFLICT_MESSAGE),
    413: ("too_large", "请求内容过大"),
    422: ("validation_error", "请求参数有误"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
    500: ("server_error", "服务器内部错误，请稍后再试或联系管理员"),
}

# Field names as a person reads them in the 422 messages.
FIELD_LABELS = {
    "limit": "每页条数",
    "offset": "起始位置",
    "id": "编号",
    "unit": "单位",
    "status": "状态",
    "warning": "预警",
    "document": "文件",
    "task": "任务",
    "kind": "类型",
    "q": "关键词",
    "version": "版本号",
    "period": "报送周期",
    "task_status": "任务状态",
    "percent": "完成进度",
    "narrative": "进展情况",
    "values": "指标完成值",
    "draft": "草稿",
    "comment": "审核意见",
    "heading": "重点任务",
    "text": "具体措施",
    "lead_units": "牵头单位",
    "support_units": "配合单位",
    "deadline": "完成时限",
    "weight": "权重",
    "cycle": "报送周期",
    "default_deadline": "默认完成时限",
    "title": "标题",
    "name": "名称",
    "level": "层级",
    "parent_id": "上级单位",
    "aliases": "别名",
    "files": "文件",
    "payload": "请求体",
}

LOCATIONS = {
    "query": "查询参数",
    "path": "路径参数",
    "body": "请求体",
    "form": "表单",
    "file": "文件",
}


def _label(loc: list[Any]) -> str:
    parts = [str(p) for p in loc]
    where = LOCATIONS.get(parts[0], "") if parts else ""
    names = [p for p in parts[1:] if p not in ("payload", "filters", "page")]
    shown = ".".join(FIELD_LABELS.get(p, p) for p in names if p != "[key]") if names else ""
    if parts and parts[-1] == "[key]":
        shown += "的键"
    return f"{where}“{shown}”" if shown else where or "请求"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "为必填项"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "应为整数"
    if kind in ("float_parsing", "float_type", "finite_number", "decimal_parsing", "decimal_type"):
        return "应为有限的数字"
    if kind in ("bool_parsing", "bool_type"):
        return "应为 true 或 false"
    if kind in ("string_type", "string_unicode"):
        return "应为文本"
    if kind == "string_too_long":
        return f"不能超过{ctx.get('max_length')}个字符"
    if kind == "string_too_short":
        return f"至少需要{ctx.get('min_length')}个字符"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于{ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于{ctx.get('le', ctx.get('lt'))}"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace(" or ", ", ").replace("'", "")
        return f"取值无效，可选值：{expected}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "日期格式应为 YYYY-MM-DD（如 2022-12-31）"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "应为列表"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "应为 JSON 对象"
    if kind == "too_long":
        return f"最多{ctx.get('max_length')}项"
    if kind == "too_short":
        return f"至少{ctx.get('min_length')}项"
    if kind == "json_invalid":
        return "不是有效的 JSON"
    if kind == "extra_forbidden":
        return "是未知字段"
    if kind == "value_error":
        inner = ctx.get("error")
        text = str(inner) if inner is not None else ""
        return text if _CJK.search(text) else "取值无效"
    return "取值无效"


def translate(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", [])), "msg": f"{_label(list(e.get('loc', [])))}{_message(e)}"}
        for e in errors
    ]


def body(status: int, detail: str | None = None, code: str | None = None) -> dict[str, Any]:
    default_code, default_detail = DEFAULT_MESSAGES.get(status, ("error", "请求失败"))
    return {"detail": detail or default_detail, "code": code or default_code}


def _chinese(text: str, fallback: str) -> str:
    return text if text and _CJK.search(text) else fallback


def install(api: NinjaAPI) -> None:
    """Replace ninja's English handlers with ours."""

    def respond(request: HttpRequest, status: int, data: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, data, status=status)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        items = translate(exc.errors)
        detail = "请求参数有误：" + "；".join(i["msg"] for i in items[:5])
        data = body(422, detail)
        data["errors"] = items
        return respond(request, 422, data)

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status_code, body(exc.status_code, exc.message, exc.code))

    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, body(401))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400 and "parse request body" in exc.message:
            return respond(request, 400, body(400, "请求体无法解析：应为有效的 JSON", "bad_json"))
        if status == 403 and "CSRF" in exc.message:
            return respond(
                request, 403, body(403, "CSRF 校验失败：请在 X-CSRFToken 头中提供令牌", "csrf")
            )
        fallback = body(status)
        return respond(request, status, body(status, _chinese(exc.message, fallback["detail"])))

    def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, body(404, _chinese(str(exc), "资源不存在")))

    def on_403(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 403, body(403, _chinese(str(exc), "您没有执行此操作的权限")))

    def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        fallback = body(exc.status)["detail"]
        return respond(
            request, exc.status, body(exc.status, _chinese(str(exc), fallback), exc.code)
        )

    def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
        if isinstance(exc, RequestDataTooBig):
            return respond(request, 413, body(413, "请求内容过大"))
        return respond(
            request, 400, body(400, "请求格式不正确（multipart 表单无法解析）", "bad_form")
        )

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API %s %s failed", request.method, request.path)
        return respond(request, 500, body(500))

    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(ObjectDoesNotExist, on_404)
    api.add_exception_handler(PermissionDenied, on_403)
    # A malformed multipart body or one over Django's limits is the client's fault, not a 500.
    api.add_exception_handler(MultiPartParserError, on_bad_request)
    api.add_exception_handler(SuspiciousOperation, on_bad_request)
    # Every service's refusals (documents, reports, units...) share one base type.
    api.add_exception_handler(ServiceError, on_service_error)
