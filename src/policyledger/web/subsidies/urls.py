from django.urls import path

from . import views_applicant, views_officer, views_public

app_name = "subsidies"

urlpatterns = [
    path("", views_public.calculator, name="calculator"),
    path("calculator/", views_public.calculator, name="calculator_page"),
    path("notices/", views_public.notice_list, name="notices"),
    path("notices/<int:pk>/", views_public.notice_detail, name="notice"),
    path("register/", views_public.register, name="register"),
    path("mine/", views_applicant.mine, name="mine"),
    path("apply/<int:pk>/", views_applicant.apply, name="apply"),
    path("a/<str:number>/", views_applicant.application, name="application"),
    path("a/<str:number>/confirm", views_applicant.confirm, name="confirm"),
    path("a/<str:number>/resubmit", views_applicant.resubmit, name="resubmit"),
    path("a/<str:number>/review", views_officer.review, name="review"),
    path("material/<int:pk>", views_applicant.material, name="material"),
    path("manage/", views_officer.manage_list, name="manage"),
    path("manage/new", views_officer.manage_new, name="manage_new"),
    path("manage/measures/", views_officer.measures, name="measures"),
    path("manage/<int:pk>/", views_officer.manage_detail, name="manage_detail"),
    path("manage/<int:pk>/action", views_officer.manage_action, name="manage_action"),
    path("manage/objection/<int:pk>", views_officer.objection, name="objection"),
    path("manage/applicant/<int:pk>/account", views_officer.open_account, name="open_account"),
    path("manage/batch/<int:pk>.xlsx", views_officer.batch_xlsx, name="batch_xlsx"),
    path("manage/batch/<int:pk>/paid", views_officer.batch_paid, name="batch_paid"),
]
