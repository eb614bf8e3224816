"""URL map: each app owns its own urls module; this file only mounts them."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("policyledger.web.api.urls")),
    path("accounts/", include("policyledger.web.accounts.urls")),
    path("documents/", include("policyledger.web.documents.urls")),
    path("vouchers/", include("policyledger.web.vouchers.urls")),
    path("lineage/", include("policyledger.web.lineage.urls")),
    path("", include("policyledger.web.tracking.urls")),
]
