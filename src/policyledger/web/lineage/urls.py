from django.urls import path

from policyledger.web.lineage import views

app_name = "lineage"

urlpatterns = [
    path("", views.library_page, name="library"),
    path("documents/<int:pk>/", views.document_page, name="document"),
    path("documents/<int:pk>/propose/", views.propose_view, name="propose"),
    path("documents/<int:pk>/place/", views.place_view, name="place"),
    path("documents/<int:pk>/report/", views.report_page, name="report"),
    path("documents/<int:pk>/coverage/", views.coverage_page, name="coverage"),
    path("links/<int:link_id>/decide/", views.decide_view, name="decide"),
    path("links/export.csv", views.export_links, name="export"),
]
