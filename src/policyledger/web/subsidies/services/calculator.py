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

from django.db.models import Q
from django.utils import timezone

from policyledger.formats.amounts import parse_amount

from ..models import Programme, RuleVersion
from .errors import InvalidInput


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
    """'3,599.50' → 359950 fen, '600万' → 600000000 fen, through the project's one amount parser
    (``formats.amounts.parse_amount``); a clear Chinese error for anything else (no float)."""
    if isinstance(text, float):
        raise InvalidInput(f"{what}请用文本或整数填写")
    raw = str(text if text is not None else "").strip()
    try:
        value = parse_amount(raw)
    except ValueError:
        # Exponent forms (1E+30) are no amount anyone types; say "too large" for the huge ones.
        try:
            number = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            number = None
        # Compare exponents, not values: abs() of 1E+12345678 overflows the decimal context.
        if (
            number is not None
            and not number.is_nan()
            and (number.is_infinite() or number.adjusted() >= 12)
        ):
            raise InvalidInput(f"{what}过大") from None
        raise InvalidInput(f"{what}应为数字，如 3599.00 或 600万") from None
    if value < 0:
        raise InvalidInput(f"{what}不能为负")
    # The size check comes first: quantize() of a huge value raises InvalidOperation (a 500).
    if value > Decimal("1e12"):
        raise InvalidInput(f"{what}过大")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"{what}最多两位小数")
    return int(value * 100)


def clause_text(programme: Programme) -> str:
    m = programme.measure
    if m is None:
        return ""
    doc = m.document
    text = m.text if len(m.text) <= 160 else m.text[:158] + "……"
    title = doc.title or doc.doc_number
    return f"《{title}》{m.number}{text}" if title else text


# Published rule versions never change (a change is a new version), so their parsed JDM is kept
# per process: the calculator then reads only ids and dates from the database. The key is the id
# with the moment of publication, so a row id used again (a database restored from a backup, or
# rolled back and written anew) can never be answered with another version's rule.
_JDM_CACHE: dict[tuple[int, Any], dict] = {}
_JDM_CACHE_MAX = 5000


def _jdms(versions: list[RuleVersion]) -> dict[int, dict]:
    keys = {v.pk: (v.pk, v.published_at) for v in versions}
    missing = [pk for pk, key in keys.items() if key not in _JDM_CACHE]
    if missing:
        if len(_JDM_CACHE) + len(missing) > _JDM_CACHE_MAX:
            _JDM_CACHE.clear()
        rows = RuleVersion.objects.filter(
            pk__in=missing, status=RuleVersion.Status.PUBLISHED
        ).values_list("pk", "published_at", "jdm")
        _JDM_CACHE.update({(pk, at): jdm for pk, at, jdm in rows})
    return {pk: _JDM_CACHE[key] for pk, key in keys.items() if key in _JDM_CACHE}


def open_programmes(today: dt.date) -> list[tuple[Programme, RuleVersion]]:
    """Open programmes (not transfers) and the rule version in force today of each: two queries."""
    programmes = {
        p.pk: p
        for p in Programme.objects.filter(status=Programme.Status.OPEN)
        # Transfers go to governments and ranks depend on everyone's figures: not for a profile.
        .exclude(kind__in=[Programme.Kind.TRANSFER, Programme.Kind.RANKING])
        .filter(Q(opens_on__isnull=True) | Q(opens_on__lte=today))
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
        .select_related("measure__document")
        # The clause needs the measure's text and the document's title, not the whole document.
        .defer(
            "prefill",
            "measure__document__original_text",
            "measure__document__parsed",
            "measure__document__error",
        )
        .order_by("id")
    }
    best: dict[int, RuleVersion] = {}
    versions = (
        RuleVersion.objects.filter(
            programme_id__in=list(programmes),
            status=RuleVersion.Status.PUBLISHED,
            effective_from__lte=today,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .only(
            "pk",
            "programme_id",
            "number",
            "effective_from",
            "effective_to",
            "status",
            "published_at",
        )
        .order_by("programme_id", "-effective_from", "-number")
    )
    for v in versions:
        best.setdefault(v.programme_id, v)
    return [(programmes[pid], v) for pid, v in sorted(best.items())]


def calculate(profile: dict[str, Any], today: dt.date | None = None) -> tuple[list[Offer], int]:
    """(offers, how many programmes could not be evaluated on this profile).

    The matching itself is the rules library's calculator core (``match_programmes``: zen-engine,
    no trace); this function chooses the programmes and versions and keeps the clause.
    """
    from policyledger import rules

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
    chosen = [
        (p, v)
        for p, v in open_programmes(today)
        if not (p.applicant_kinds and kind and kind not in p.applicant_kinds)
    ]
    jdms = _jdms([v for _, v in chosen])
    candidates = []
    by_id: dict[str, tuple[Programme, RuleVersion]] = {}
    for p, v in chosen:
        if v.pk in jdms:
            candidates.append(rules.Programme(id=str(p.pk), name=p.name, jdm=jdms[v.pk]))
            by_id[str(p.pk)] = (p, v)
    try:
        matches = rules.match_programmes(inputs, candidates)
    except rules.RuleError as exc:
        raise InvalidInput(exc.message) from None
    offers = []
    for m in matches:
        if m.amount_fen <= 0:
            continue
        p, v = by_id[m.programme.id]
        offers.append(
            Offer(p, m.amount_fen, m.reason, m.decision.cap_applied or "", v, clause_text(p))
        )
    return offers, 0
