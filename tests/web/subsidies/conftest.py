"""Programmes, applicants and valid identity numbers for the subsidy tests.

Officers are the platform's administrators (alice from tests/web/conftest.py). Identity numbers
are generated with a correct check digit from a serial, so tests can make as many as they need.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from subsidy_ids import id_number, uscc

from policyledger.web.subsidies.models import Applicant, Programme
from policyledger.web.subsidies.services import applicants as applicant_service
from policyledger.web.subsidies.services import programmes as programme_service

TODAY = dt.date(2026, 5, 11)  # a Monday


@pytest.fixture
def officer(alice):
    return alice


@pytest.fixture
def make_applicant(db):
    counter = {"n": 0}

    def make(
        name: str = "连云港惠民家电有限公司", kind: str = "enterprise", *, bank=True, **fields
    ):
        counter["n"] += 1
        number = uscc(counter["n"]) if kind == "enterprise" else id_number(counter["n"])
        fields.setdefault("region", "海州区")
        fields.setdefault("sector", "家电")
        if bank:
            fields.update(
                bank_holder=name,
                bank_account=f"62220{counter['n']:014d}",
                bank_name="中国工商银行连云港分行",
            )
        applicant, _ = applicant_service.get_or_create(kind, name, number, **fields)
        if bank:
            from django.utils import timezone

            Applicant.objects.filter(pk=applicant.pk).update(bank_confirmed_at=timezone.now())
            applicant.refresh_from_db()
        return applicant

    return make


@pytest.fixture
def make_programme(db):
    def make(
        name: str = "绿色节能家电补贴",
        *,
        kind: str = Programme.Kind.RATE,
        budget_yuan: int = 100_000,
        rate: str | None = "10",
        max_award_yuan: int | None = 2000,
        min_award_yuan: int | None = None,
        open_=True,
        effective_from: dt.date = dt.date(2026, 1, 1),
        **fields,
    ) -> Programme:
        programme = programme_service.create_programme(
            name=name,
            kind=kind,
            budget_fen=budget_yuan * 100,
            rate_percent=Decimal(rate) if rate is not None else None,
            max_award_fen=max_award_yuan * 100 if max_award_yuan is not None else None,
            min_award_fen=min_award_yuan * 100 if min_award_yuan is not None else None,
            **fields,
        )
        programme_service.install_default_rule(programme, effective_from=effective_from)
        if open_:
            programme_service.open_programme(programme)
        return programme

    return make


@pytest.fixture
def today():
    return TODAY
