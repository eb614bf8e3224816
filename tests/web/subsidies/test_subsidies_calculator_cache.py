"""The calculator keeps published rules per process; a row id used again must not bring back the
rule of the version that had it before (a restored backup, or a rolled-back test database)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from policyledger.web.subsidies.models import RuleVersion
from policyledger.web.subsidies.services.calculator import calculate

PROFILE = {"applicant_kind": "person", "sector": "家电", "figures": {"price_fen": 359900}}


def amounts() -> list[int]:
    offers, _ = calculate(dict(PROFILE))
    return [o.amount_fen for o in offers]


def test_a_reused_version_id_is_not_answered_from_the_cache(make_programme):
    programme = make_programme("节能家电补贴", sectors=["家电"], rate="10")
    assert amounts() == [35990]  # 10 % of 3,599元, now cached
    old = RuleVersion.objects.get(programme=programme, status=RuleVersion.Status.PUBLISHED)
    pk = old.pk
    data = {f.attname: getattr(old, f.attname) for f in RuleVersion._meta.concrete_fields}
    old.delete()
    other = make_programme("另一项补贴", sectors=["家电"], rate="20")
    moved = RuleVersion.objects.get(programme=other, status=RuleVersion.Status.PUBLISHED)
    # The same id now holds a newer version of the first programme with the 20 % rule.
    RuleVersion.objects.filter(pk=moved.pk).delete()
    data.update(jdm=moved.jdm, published_at=timezone.now() + dt.timedelta(seconds=1), id=pk)
    RuleVersion.objects.create(**data)
    assert amounts() == [71980]
