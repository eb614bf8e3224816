from django.urls import path

from policyledger.web.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("import/", views.import_page, name="import"),
    path("status.json", views.status_json, name="status"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/settings/", views.document_settings, name="settings"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/level/", views.measure_level, name="measure_level"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/source/", views.source, name="source"),
    path("measures/<int:pk>/edit/", views.edit_measure, name="edit_measure"),
    path("measures/<int:pk>/split/", views.split, name="split"),
    path("units/<int:pk>/resolve/", views.resolve_unit, name="resolve_unit"),
]
