"""Small helpers shared by the voucher pages and the JSON API."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

from policyledger.web.clientip import client_address
from policyledger.web.params import int_or_none

from .models import Campaign, Merchant

DEVICE_COOKIE = "pl_device"


def client_ip(request) -> str | None:
    return ip_of(request.META.get("REMOTE_ADDR") or "", request.headers.get("X-Forwarded-For", ""))


def ip_of(remote_addr: str, forwarded_for: str = "") -> str | None:
    """The client's address: the peer's, or behind one of settings.TRUSTED_PROXIES the address
    that proxy saw (policyledger.web.clientip); None when it is not an address."""
    return client_address(remote_addr, forwarded_for)


def device_of(request) -> str:
    return device_from(request.headers.get("X-Device-Id"), request.COOKIES.get(DEVICE_COOKIE))


def device_from(header: str | None, cookie: str | None) -> str:
    return (header or cookie or "")[:64]


def is_voucher_admin(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    from policyledger.web.accounts.permissions import is_admin

    return is_admin(user)


def require_admin(user) -> None:
    if not is_voucher_admin(user):
        raise PermissionDenied("需要消费券活动管理员权限")


def merchant_for(request) -> Merchant:
    mine = Merchant.objects.filter(users=request.user).order_by("id")
    wanted = int_or_none(request.GET.get("m") or request.POST.get("m"))
    if wanted is not None:
        mine = mine.filter(pk=wanted)
    merchant = mine.first()
    if merchant is None:
        raise PermissionDenied("您不是任何商户的店员")
    return merchant


_cache: dict[int, tuple[float, Campaign]] = {}


def fresh_cached_campaign(pk: int) -> Campaign | None:
    """The cached campaign if it is still fresh, without touching the database (async callers)."""
    hit = _cache.get(pk)
    return hit[1] if hit and hit[0] > time.monotonic() else None


def cached_campaign(pk: int) -> Campaign:
    """The campaign with its batches, kept for VOUCHERS_CAMPAIGN_CACHE_S seconds per process.

    The claim hot path reads only set-up fields from it (status, window, limits); the stock is
    never taken from this copy. A status change reaches every worker within that many seconds.
    """
    ttl = float(settings.VOUCHERS_CAMPAIGN_CACHE_S)
    hit = fresh_cached_campaign(pk)
    if hit is not None:
        return hit
    campaign = Campaign.objects.prefetch_related("batches").filter(pk=pk).first()
    if campaign is None:
        raise Http404("活动不存在")
    if ttl > 0:
        _cache[pk] = (time.monotonic() + ttl, campaign)
    return campaign


def own_links(user) -> list[tuple[int, str, str]]:
    """The voucher pages of a user without a platform role (accounts.hooks.add_own_links): a
    voucher administrator lands on 活动管理, a clerk on the counter, a resident on the campaigns."""
    from django.urls import reverse

    links = []
    if user.is_staff or user.is_superuser:
        links += [
            (0, "活动管理", reverse("vouchers:manage")),
            (0, "风险审核", reverse("vouchers:review")),
        ]
    if user.voucher_merchants.exists():
        links.append((1, "商户核销", reverse("vouchers:merchant")))
    links += [(3, "消费券活动", reverse("vouchers:home")), (3, "我的券", reverse("vouchers:mine"))]
    return links
