from django.urls import path

from policyledger.web.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_page, name="import"),
    path("targets/", views.targets_page, name="targets"),
    path("analysis/", views.analysis_page, name="analysis"),
    path("analysis/report.docx", views.analysis_docx, name="analysis_docx"),
    path("evaluation/", views.evaluations, name="evaluations"),
    path("evaluation/year/<int:year>.docx", views.year_end_docx, name="year_end_docx"),
    path("evaluation/<str:key>/", views.evaluation_page, name="evaluation"),
    path("evaluation/<str:key>/report.docx", views.evaluation_docx, name="evaluation_docx"),
]
