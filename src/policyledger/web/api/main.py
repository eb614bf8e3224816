"""The NinjaAPI instance: authentication, error handlers and the routers of each resource."""

from __future__ import annotations

import functools
import importlib.util

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Router, Swagger
from ninja.renderers import JSONRenderer

from policyledger.web.api import errors
from policyledger.web.api.auth import SessionAuth, TokenAuth


class ChineseJSONRenderer(JSONRenderer):
    # Chinese as UTF-8 rather than \u escapes: readable in logs and curl, and smaller.
    json_dumps_params = {"ensure_ascii": False}


def _docs_auth(view):
    """The schema and the docs page need a signed-in user or a token, like everything else."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            header = request.headers.get("Authorization", "")
            scheme, _, key = header.partition(" ")
            if scheme.lower() == "bearer":
                user = TokenAuth().authenticate(request, key)
            if user is None or not user.is_authenticated:
                return JsonResponse(errors.body(401), status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="政策落实台账 API",
    version="1",
    description=(
        "责任单位系统对接接口。认证：`Authorization: Bearer <令牌>`（在“接口令牌”页面或用 "
        "`policyledger token create --user 用户名` 生成），或浏览器会话（写操作需 X-CSRFToken）。"
        "权限与页面相同：填报人只能看到和报送本单位的任务，他单位对象返回 404；领导只读，写操作 403。"
        '错误统一为 `{"detail": "中文说明", "code": "英文代码"}`。'
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-1",
    renderer=ChineseJSONRenderer(),
    docs=Swagger(settings={"persistAuthorization": True}),
    docs_decorator=_docs_auth,
)
errors.install(api)


def _mount() -> None:
    from policyledger.web.api import (
        documents,
        measures,
        reports,
        summary,
        tasks,
        tokens,
        units,
        warnings,
    )

    api.add_router("/documents", documents.router)
    api.add_router("/measures", measures.router)
    api.add_router("/tasks", tasks.router)
    api.add_router("/reports", reports.router)
    api.add_router("/warnings", warnings.router)
    api.add_router("/units", units.router)
    api.add_router("/", summary.router)
    api.add_router("/", tokens.router)
    if importlib.util.find_spec("policyledger.web.monitoring.api") is not None:
        from policyledger.web.monitoring import api as monitoring_api

        api.add_router("/monitoring", monitoring_api.router)
    # The vouchers area offers its own router when it exists; mount it without depending on it.
    if importlib.util.find_spec("policyledger.web.vouchers.api") is not None:
        from policyledger.web.vouchers import api as vouchers_api

        # Only a ninja Router is mounted; plain Django views there keep their own URLs.
        router = getattr(vouchers_api, "router", None)
        if isinstance(router, Router):
            api.add_router("/vouchers", router)
    # Subsidies (政策兑现) offers its router the same way.
    if importlib.util.find_spec("policyledger.web.subsidies.api") is not None:
        from policyledger.web.subsidies import api as subsidies_api

        router = getattr(subsidies_api, "router", None)
        if isinstance(router, Router):
            api.add_router("/subsidies", router)

    # Lineage offers its router the same way (/api/v1/lineage/).
    if importlib.util.find_spec("policyledger.web.lineage.api") is not None:
        from policyledger.web.lineage import api as lineage_api

        api.add_router("/lineage", lineage_api.router)


_mount()
