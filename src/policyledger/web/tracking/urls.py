from django.urls import path

from policyledger.web.tracking import views
from policyledger.web.tracking.briefings import views as briefing_views
from policyledger.web.tracking.dashboard import views as dashboard_views

app_name = "tracking"

urlpatterns = [
    path("", views.home, name="home"),
    path("tracking/tasks/", views.task_list, name="tasks"),
    path("tracking/tasks/ledger.xlsx", views.ledger_xlsx, name="ledger"),
    path("tracking/tasks/<int:pk>/", views.task_detail, name="task"),
    path("tracking/tasks/<int:pk>/report/", views.report_form, name="report_form"),
    path("tracking/tasks/<int:pk>/edit/", views.edit_task, name="edit_task"),
    path("tracking/reports/", views.report_queue, name="reports"),
    path("tracking/reports/batch-accept/", views.batch_accept, name="batch_accept"),
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
    path("tracking/dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("tracking/dashboard/data.json", dashboard_views.dashboard_json, name="dashboard_data"),
    path("tracking/dashboard/tasks/", dashboard_views.drill_down, name="dashboard_tasks"),
    path("tracking/briefings/", briefing_views.briefing_page, name="briefings"),
    path("tracking/briefings/briefing.docx", briefing_views.briefing_docx, name="briefing_docx"),
    path("tracking/briefings/ledger.xlsx", briefing_views.briefing_xlsx, name="briefing_xlsx"),
]
