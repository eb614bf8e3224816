from django.contrib.auth import views as auth_views
from django.urls import path

from policyledger.web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_change_done",
    ),
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("units/<int:pk>/edit/", views.edit_unit, name="edit_unit"),
    path("units/<int:pk>/active/", views.unit_active, name="unit_active"),
    path("units/<int:pk>/merge/", views.merge_unit, name="merge_unit"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/toggle/", views.toggle_user, name="toggle_user"),
    path("notifications/", views.notifications, name="notifications"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
]
