"""Login, units (registry and each unit's page), notifications and personal API tokens."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from policyledger.web.accounts import hooks, permissions, services
from policyledger.web.accounts.models import ApiToken, Profile, Unit
from policyledger.web.params import int_or_none

logger = logging.getLogger("policyledger.web.accounts")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Staff start on the platform's home; a resident, a clerk, a voucher administrator or
        an applicant on their own page (``hooks.landing``)."""
        user = self.request.user
        if user.is_authenticated and permissions.role_of(user) is None:
            return hooks.landing(user) or super().get_default_redirect_url()
        return super().get_default_redirect_url()


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (old password, new one twice, checked by the validators); the
    session stays signed in, other sessions of the user end."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        logger.info("password changed by %s", self.request.user)
        return super().form_valid(form)


def units(request):
    """The unit registry: search, and (administrators) add units."""
    if request.method == "POST":
        permissions.require_admin(request.user)
        parent = Unit.objects.filter(pk=int_or_none(request.POST.get("parent"))).first()
        aliases = services.split_aliases(request.POST.get("aliases", ""))
        try:
            unit = services.create_unit(
                request.POST.get("name", ""),
                level=request.POST.get("level", ""),
                parent=parent,
                aliases=aliases,
                contact_person=request.POST.get("contact_person", ""),
                contact_phone=request.POST.get("contact_phone", ""),
                actor=request.user,
            )
        except services.UnitError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已添加单位“{unit.name}”")
        return redirect("accounts:units")
    if permissions.role_of(request.user) == permissions.REPORTER:
        own = permissions.unit_of(request.user)
        return redirect("accounts:unit", pk=own.pk) if own else redirect("tracking:home")
    query = request.GET.get("q", "").strip()
    inactive = request.GET.get("inactive") == "1"
    page = Paginator(services.search_units(query, include_inactive=inactive), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/units.html",
        {
            "units": page,
            "page": page,
            "q": query,
            "inactive": inactive,
            "query": urlencode(
                {k: v for k, v in (("q", query), ("inactive", "1" if inactive else "")) if v}
            ),
            "levels": Unit.Level.choices,
            "parents": Unit.objects.filter(active=True).order_by("name"),
        },
    )


def unit_detail(request, pk: int):
    """A unit's tasks and its history of warnings; a reporter sees only their own unit.
    Administrators edit, deactivate and merge the unit here."""
    if permissions.role_of(request.user) == permissions.REPORTER:
        own = permissions.unit_of(request.user)
        if own is None or own.pk != pk:
            raise Http404("单位不存在")
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise Http404("单位不存在")
    is_admin = permissions.is_admin(request.user)
    others = Unit.objects.filter(active=True).exclude(pk=unit.pk).order_by("name")
    # The unit's tasks and warning history come from the tracking app, through the hook.
    return render(
        request,
        "accounts/unit_detail.html",
        {
            "unit": unit,
            "is_admin": is_admin,
            "levels": Unit.Level.choices,
            "others": others if is_admin else [],
            **hooks.unit_detail(request.user, unit),
        },
    )


def _unit_action(request, pk: int, action, done: str):
    """Run an administrator's change to a unit; its Chinese error or ``done`` as the message."""
    permissions.require_admin(request.user)
    if not Unit.objects.filter(pk=pk).exists():
        raise Http404("单位不存在")
    try:
        unit = action()
    except services.UnitError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:unit", pk=pk)
    messages.success(request, done.format(unit=unit))
    return redirect("accounts:unit", pk=unit.pk)


@require_POST
def edit_unit(request, pk: int):
    post = request.POST
    return _unit_action(
        request,
        pk,
        lambda: services.update_unit(
            request.user,
            pk,
            name=post.get("name", ""),
            level=post.get("level", ""),
            parent_id=int_or_none(post.get("parent")),
            aliases=services.split_aliases(post.get("aliases", "")),
            contact_person=post.get("contact_person", ""),
            contact_phone=post.get("contact_phone", ""),
            leader_name=post.get("leader_name"),
            leader_email=post.get("leader_email"),
        ),
        "单位“{unit.name}”已保存",
    )


@require_POST
def unit_active(request, pk: int):
    active = request.POST.get("active") == "1"
    return _unit_action(
        request,
        pk,
        lambda: services.set_unit_active(request.user, pk, active),
        "单位“{unit.name}”已" + ("启用" if active else "停用"),
    )


@require_POST
def merge_unit(request, pk: int):
    """Merge this (duplicate) unit into the chosen one; the page goes to the surviving unit."""
    target_id = int_or_none(request.POST.get("target"))

    def run():
        services.merge_units(request.user, pk, target_id or 0)
        return Unit.objects.get(pk=target_id)

    source = Unit.objects.filter(pk=pk).first()
    label = source.name if source else ""
    return _unit_action(request, pk, run, f"已将“{label}”合并到“{{unit.name}}”")


def notifications(request):
    from policyledger.web.core.models import Notification

    if request.method == "POST":
        Notification.objects.filter(user=request.user, read=False).update(read=True)
        messages.success(request, "已全部标记为已读")
        return redirect("accounts:notifications")
    page = Paginator(Notification.objects.filter(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/notifications.html", {"page": page})


def tokens(request):
    """Personal API tokens (for a unit's own systems); the key is shown once."""
    new_key = None
    if request.method == "POST":
        if permissions.role_of(request.user) is None:
            raise Http404
        try:
            _token, new_key = services.issue_token(
                request.user, request.POST.get("name", "")[:100], request.POST.get("days")
            )
        except services.TokenError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已生成新令牌，请立即复制保存，离开本页后将无法再次查看")
    rows = ApiToken.objects.filter(user=request.user, revoked=False).order_by("-created_at")
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": rows,
            "new_key": new_key,
            "now": timezone.now(),
            "day_choices": sorted(
                {d for d in (30, 90, 180, 365) if d <= settings.API_TOKEN_MAX_DAYS}
                | {settings.API_TOKEN_DAYS}
            ),
            "default_days": settings.API_TOKEN_DAYS,
        },
    )


@require_POST
def revoke_token(request, pk: int):
    if not services.revoke_token(pk, request.user):
        raise Http404("令牌不存在")
    messages.success(request, "令牌已停用")
    return redirect("accounts:tokens")


def users(request):
    """Administrators add people, give them a unit and a role, and switch accounts off."""
    permissions.require_admin(request.user)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user_model = get_user_model()
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        role = request.POST.get("role", "")
        unit = Unit.objects.filter(pk=int_or_none(request.POST.get("unit"))).first()
        try:
            if not username or len(username) > 150:
                raise services.UnitError("请填写用户名（最多150个字符）")
            if user_model.objects.filter(username=username).exists():
                raise services.UnitError(f"用户名“{username}”已被使用")
            if role not in Profile.Role.values:
                raise services.UnitError("请选择角色")
            if role == Profile.Role.REPORTER and unit is None:
                raise services.UnitError("填报人必须属于一个单位")
            try:
                validate_password(password)
            except ValidationError as exc:
                raise services.UnitError("密码不符合要求：" + "；".join(exc.messages)) from None
            services.create_user(
                username,
                password,
                role=role,
                unit=unit,
                email=request.POST.get("email", "").strip()[:254],
                full_name=request.POST.get("full_name", "").strip()[:150],
            )
        except services.UnitError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已添加用户“{username}”")
        return redirect("accounts:users")
    rows = user_model.objects.select_related("profile__unit").order_by("username")
    return render(
        request,
        "accounts/users.html",
        {
            "people": rows,
            "roles": Profile.Role.choices,
            "units": Unit.objects.filter(active=True).order_by("name"),
        },
    )


@require_POST
def toggle_user(request, pk: int):
    permissions.require_admin(request.user)
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.filter(pk=pk).first()
    if person is None:
        raise Http404("用户不存在")
    if person.pk == request.user.pk:
        messages.error(request, "不能停用自己的账号")
        return redirect("accounts:users")
    person = services.toggle_active(request.user, person.pk)
    messages.success(request, f"已{'启用' if person.is_active else '停用'}“{person.username}”")
    return redirect("accounts:users")
