"""Who is an officer, who is an applicant, and how pages show a service error."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Application
from .services.applicants import applicant_of


def is_officer(user) -> bool:
    """牵头办 administrators (and Django staff) run programmes."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    from policyledger.web.accounts.permissions import is_admin

    return is_admin(user)


def is_reader(user) -> bool:
    """Officers and 领导 (viewers) may read programme figures."""
    if is_officer(user):
        return True
    from policyledger.web.accounts.permissions import role_of

    return role_of(user) == "viewer"


def require_officer(user) -> None:
    if not is_officer(user):
        raise PermissionDenied("只有牵头办管理员可以管理兑现项目")


def application_for(user, number: str) -> Application:
    """The application if the user is an officer or its applicant; 404 otherwise (no probing)."""
    app = (
        Application.objects.select_related(
            "programme__measure__document", "applicant", "rule", "notice"
        )
        .filter(number=number)
        .first()
    )
    if app is None:
        raise Http404("申请不存在")
    if is_reader(user):
        return app
    mine = applicant_of(user)
    if mine is None or app.applicant_id != mine.pk:
        raise Http404("申请不存在")
    return app


def own_links(user) -> list[tuple[int, str, str]]:
    """The subsidy pages of a user without a platform role (accounts.hooks.add_own_links): an
    applicant lands on their applications; everyone sees the calculator and the notices."""
    from django.urls import reverse

    links = []
    if applicant_of(user) is not None:
        links.append((2, "我的申请", reverse("subsidies:mine")))
    links += [
        (4, "政策计算器", reverse("subsidies:calculator")),
        (4, "公示", reverse("subsidies:notices")),
    ]
    return links
