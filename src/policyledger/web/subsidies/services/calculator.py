"""政策计算器: a profile → every open programme it qualifies for, the amount and the clause.

One query loads the open programmes with their published rule versions; each programme's rule in
force today is evaluated in memory (zen-engine caches the compiled decision per JDM), so the cost
grows with the number of programmes, not with queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from ..models import Programme, RuleVersion
from . import rules as rule_service
from .errors import InvalidInput, RuleProblem


@dataclass
class Offer:
    programme: Programme
    amount_fen: int
    reason: str
    cap_applied: str
    rule: RuleVersion
    clause: str

    def as_dict(self) -> dict[str, Any]:
        p = self.programme
        return {
            "programme": p.pk,
            "name": p.name,
            "amount_fen": self.amount_fen,
            "reason": self.reason,
            "cap_applied": self.cap_applied or None,
            "rule_version": self.rule.number,
            "clause": self.clause,
            "closes_on": p.closes_on.isoformat() if p.closes_on else None,
        }


def parse_yuan(text: Any, what: str = "金额") -> int:
    """'3,599.50' → 359950 fen; a clear Chinese error for anything else (no float)."""
    if isinstance(text, float):
        raise InvalidInput(f"{what}请用文本或整数填写")
    try:
        value = Decimal(str(text).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise InvalidInput(f"{what}应为数字，如 3599.00") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"{what}不能为负")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"{what}最多两位小数")
    if value > Decimal("1e12"):
        raise InvalidInput(f"{what}过大")
    return int(value * 100)


def clause_text(programme: Programme) -> str:
    m = programme.measure
    if m is None:
        return ""
    doc = m.document
    text = m.text if len(m.text) <= 160 else m.text[:158] + "……"
    title = doc.title or doc.doc_number
    return f"《{title}》{m.number}{text}" if title else text


def open_programmes(today: dt.date) -> list[Programme]:
    published = RuleVersion.objects.filter(
        status=RuleVersion.Status.PUBLISHED, effective_from__lte=today
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
    return list(
        Programme.objects.filter(status=Programme.Status.OPEN)
        .exclude(kind=Programme.Kind.TRANSFER)
        .filter(Q(opens_on__isnull=True) | Q(opens_on__lte=today))
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
        .select_related("measure__document")
        .prefetch_related(Prefetch("rules", queryset=published, to_attr="live_rules"))
        .order_by("id")
    )


def calculate(profile: dict[str, Any], today: dt.date | None = None) -> tuple[list[Offer], int]:
    """(offers, how many programmes needed figures the profile did not give)."""
    today = today or timezone.localdate()
    kind = profile.get("applicant_kind") or ""
    inputs: dict[str, Any] = {
        "applicant_kind": kind,
        "sector": profile.get("sector") or "",
        "region": profile.get("region") or "",
        "person_received_fen": 0,
        "items_claimed": 0,
    }
    for key, value in (profile.get("figures") or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidInput(f"数据“{key}”应为整数或文本")
        inputs[str(key)] = value
    offers: list[Offer] = []
    incomplete = 0
    for p in open_programmes(today):
        if p.applicant_kinds and kind and kind not in p.applicant_kinds:
            continue
        versions = sorted(p.live_rules, key=lambda v: (v.effective_from, v.number), reverse=True)
        if not versions:
            continue
        try:
            outcome = rule_service.evaluate(versions[0], inputs)
        except RuleProblem:
            incomplete += 1
            continue
        if outcome.eligible and outcome.amount_fen > 0:
            offers.append(
                Offer(
                    p,
                    outcome.amount_fen,
                    outcome.reason,
                    outcome.cap_applied,
                    versions[0],
                    clause_text(p),
                )
            )
    offers.sort(key=lambda o: -o.amount_fen)
    return offers, incomplete
