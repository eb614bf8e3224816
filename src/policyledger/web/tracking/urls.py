from django.urls import path

from policyledger.web.tracking import audit_views, chasing_views, views
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
    path("tracking/tasks/<int:pk>/lead/", views.change_lead, name="change_lead"),
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
    path("tracking/audit/", audit_views.audit_page, name="audit"),
    path("tracking/audit/log.xlsx", audit_views.audit_xlsx, name="audit_xlsx"),
    path("tracking/warnings/", views.warnings_page, name="warnings"),
    path("tracking/chasing/", chasing_views.chasing_page, name="chasing"),
    path("tracking/chasing/send/", chasing_views.send_reminders, name="chasing_send"),
    path("tracking/chasing/escalate/", chasing_views.escalate, name="chasing_escalate"),
    path("tracking/chasing/missing.xlsx", chasing_views.missing_xlsx, name="chasing_missing"),
    path("tracking/chasing/overdue.xlsx", chasing_views.overdue_xlsx, name="chasing_overdue"),
    path("tracking/dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("tracking/dashboard/data.json", dashboard_views.dashboard_json, name="dashboard_data"),
    path("tracking/dashboard/tasks/", dashboard_views.drill_down, name="dashboard_tasks"),
    path("tracking/briefings/", briefing_views.briefing_page, name="briefings"),
    path("tracking/briefings/briefing.docx", briefing_views.briefing_docx, name="briefing_docx"),
    path("tracking/briefings/ledger.xlsx", briefing_views.briefing_xlsx, name="briefing_xlsx"),
]
