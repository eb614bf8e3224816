"""URL map: each app owns its own urls module; this file only mounts them."""

from django.contrib import admin
from django.urls import include, path

from policyledger.web.vouchers import api as vouchers_api

urlpatterns = [
    path("admin/", admin.site.urls),
    # The vouchers' JSON endpoints in the REST API (the fast claim workers answer the claim path
    # themselves: vouchers/claim_asgi.py, claim_wsgi.py); the old /vouchers/api/ URLs stay.
    path("api/v1/vouchers/campaigns/<int:pk>/claim", vouchers_api.claim, name="api_v1_claim"),
    path("api/v1/vouchers/campaigns/<int:pk>", vouchers_api.campaign, name="api_v1_campaign"),
    path("api/v1/vouchers/mine", vouchers_api.mine, name="api_v1_mine"),
    path("api/v1/", include("policyledger.web.api.urls")),
    path("accounts/", include("policyledger.web.accounts.urls")),
    path("documents/", include("policyledger.web.documents.urls")),
    path("vouchers/", include("policyledger.web.vouchers.urls")),
    path("subsidies/", include("policyledger.web.subsidies.urls")),
    path("lineage/", include("policyledger.web.lineage.urls")),
    path("monitoring/", include("policyledger.web.monitoring.urls")),
    path("", include("policyledger.web.tracking.urls")),
]
