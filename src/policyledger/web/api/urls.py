"""/api/v1/: the ninja API, and a JSON 404 for any other path under it."""

from django.http import JsonResponse
from django.urls import path, re_path

from policyledger.web.api.errors import body
from policyledger.web.api.main import api


def not_found(request, rest: str = ""):
    return JsonResponse(body(404, "接口不存在"), status=404)


urlpatterns = [
    path("", api.urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
