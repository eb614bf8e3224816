from django.urls import path

from policyledger.web.tracking import views

app_name = "tracking"

urlpatterns = [
    path("", views.home, name="home"),
    path("tracking/tasks/", views.task_list, name="tasks"),
    path("tracking/tasks/ledger.xlsx", views.ledger_xlsx, name="ledger"),
    path("tracking/tasks/<int:pk>/", views.task_detail, name="task"),
    path("tracking/tasks/<int:pk>/report/", views.report_form, name="report_form"),
    path("tracking/reports/", views.report_queue, name="reports"),
    path("tracking/reports/<int:pk>/", views.report_detail, name="report"),
    path(
        "tracking/reports/<int:pk>/accept/",
        views.review_report,
        {"action": "accept"},
        name="accept",
    ),
    path(
        "tracking/reports/<int:pk>/return/",
        views.review_report,
        {"action": "return"},
        name="return",
    ),
    path("tracking/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("tracking/bulk/", views.bulk_update, name="bulk"),
    path("tracking/warnings/", views.warnings_page, name="warnings"),
]
