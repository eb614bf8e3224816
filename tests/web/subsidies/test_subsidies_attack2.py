"""Attack tests (second round): ways to claim one invoice twice or to be two applicants.

Each test tries the bad thing against the real services; where a guard matters a control shows
what happens without it.
"""

from __future__ import annotations

import pytest
from subsidy_ids import id_number

from policyledger.web.subsidies.models import Application
from policyledger.web.subsidies.services import applicants as applicant_service
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services.errors import InvalidInput, InvoiceTaken

S = Application.Status
pytestmark = pytest.mark.django_db

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def apply(programme, applicant, code, number, price_yuan=3599):
    return svc.submit(
        programme,
        applicant,
        figures={"price_fen": price_yuan * 100},
        invoice_code=code,
        invoice_number=number,
    )


@pytest.mark.parametrize(
    "variant",
    [
        lambda s: s.translate(FULLWIDTH),  # typed with a Chinese IME in full-width mode
        lambda s: " ".join(s),  # spaces between digits
        lambda s: "\u3000" + s + "\t",  # ideographic space, tab
    ],
    ids=["fullwidth", "spaces", "ideographic-space"],
)
def test_invoice_variant_cannot_be_claimed_twice_across_programmes(
    make_programme, make_applicant, variant
):
    a = make_programme("家电以旧换新")
    b = make_programme("节能家电补贴")
    first = apply(a, make_applicant("甲公司"), "3207001234", "00000042")
    with pytest.raises(InvoiceTaken) as exc:
        apply(b, make_applicant("乙公司"), variant("3207001234"), variant("00000042"))
    assert first.number in exc.value.message
    assert Application.objects.filter(invoice_number__endswith="42").count() == 1


def test_non_ascii_digits_in_an_invoice_are_refused_not_stored(make_programme, make_applicant):
    """Arabic-Indic digits look like nothing a Chinese invoice has: refused, not a second key."""
    p = make_programme()
    with pytest.raises(InvalidInput):
        apply(p, make_applicant(), "3207001234", "00000042".translate(ARABIC_INDIC))
    assert not Application.objects.exists()


def test_normalised_invoice_is_stored_ascii(make_programme, make_applicant):
    app = apply(make_programme(), make_applicant(), "３２０７００１２３４", "０００００　０４２")
    assert (app.invoice_code, app.invoice_number) == ("3207001234", "00000042")


def test_one_person_cannot_become_two_applicants_with_other_digits(db):
    """An ID number written with Arabic-Indic digits passed the check digit (int() reads them) but
    hashed differently (for the one in eleven numbers whose check character is X): the same person became a second applicant (two per-person caps, two
    awards in an exclusion group)."""
    number = next(n for n in map(id_number, range(1, 200)) if n.endswith("X"))
    one, created = applicant_service.get_or_create("person", "王芳", number)
    assert created
    for variant in (number.translate(ARABIC_INDIC),):
        with pytest.raises(InvalidInput):
            applicant_service.get_or_create("person", "王芳", variant)
    # Full-width digits are the same person (normalised), not a second one.
    same, created = applicant_service.get_or_create("person", "王芳", number.translate(FULLWIDTH))
    assert not created and same.pk == one.pk


@pytest.mark.parametrize("text", ["1E+30", "9e999999", "1E+12345678"])
def test_huge_exponent_amount_is_a_chinese_error_not_a_500(make_programme, text):
    """Decimal('1E+30') is finite and positive; quantize() on it raised InvalidOperation, which
    nothing caught: the public calculator page and API answered 500."""
    from django.test import Client

    make_programme("节能家电补贴", sectors=["家电"])
    api = Client(raise_request_exception=False).post(
        "/api/v1/subsidies/calculator",
        {"applicant_kind": "person", "sector": "家电", "purchase_yuan": text},
        content_type="application/json",
    )
    assert api.status_code == 400, api.content
    assert api.json()["code"] == "invalid_input" and "过大" in api.json()["detail"]
    page = Client(raise_request_exception=False).get(
        "/subsidies/calculator/", {"applicant_kind": "person", "sector": "家电", "amount": text}
    )
    assert page.status_code == 200 and "过大" in page.content.decode()


def _approved(programme, applicant, officer, number, price_yuan=20000):
    app = apply(programme, applicant, "", "", price_yuan)
    return svc.approve(officer, app)


def test_a_region_cap_set_after_approvals_counts_them(make_programme, make_applicant, officer):
    """A cap created when the region already held approved awards started at 0 committed: the
    region could then be committed up to the cap again (over the cap by what it held)."""
    from policyledger.web.subsidies.models import RegionCap
    from policyledger.web.subsidies.services import programmes as programme_service
    from policyledger.web.subsidies.services.audit import audit
    from policyledger.web.subsidies.services.errors import BudgetExceeded

    p = make_programme(max_award_yuan=None)
    _approved(p, make_applicant("甲公司"), officer, 1)  # 2000元 in 海州区
    programme_service.set_region_caps(p, {"海州区": ("county", 300_000)})  # 3000元
    cap = RegionCap.objects.get(programme=p, region="海州区")
    assert cap.committed_fen == 200_000
    with pytest.raises(BudgetExceeded):
        _approved(p, make_applicant("乙公司"), officer, 2)
    # A cap below what the region already holds is refused, not silently over.
    with pytest.raises(InvalidInput):
        programme_service.set_region_caps(p, {"连云区": ("county", 1)} | {"海州区": ("county", 1)})
    assert not [line for line in audit() if "海州区" in line]


@pytest.mark.parametrize(
    "variant",
    ["海州区\u200b", "海 州 区", "\ufeff海州区", "海州区\u3000"],
    ids=["zwsp", "spaces", "bom", "ideographic-space"],
)
def test_invisible_region_variant_does_not_escape_the_region_cap(
    make_programme, make_applicant, officer, variant
):
    """The region is the cap's key; a zero-width space or a space inside it made a region with
    no cap, so the award passed a full region."""
    from policyledger.web.subsidies.models import RegionCap
    from policyledger.web.subsidies.services.errors import BudgetExceeded

    p = make_programme(max_award_yuan=None)
    RegionCap.objects.create(programme=p, region="海州区", cap_fen=200_000)
    _approved(p, make_applicant("甲公司"), officer, 1)  # 2000元: the cap is full
    app = svc.submit(p, make_applicant("乙公司"), figures={"price_fen": 2_000_000}, region=variant)
    assert app.region == "海州区"
    with pytest.raises(BudgetExceeded):
        svc.approve(officer, app)
    assert RegionCap.objects.get(programme=p).committed_fen == 200_000


def _person_capped_programme(make_programme):
    """10% of the invoice, at most 3000元 per person across the programme (每人上限)."""
    import datetime as dt
    from decimal import Decimal

    from policyledger.rules import templates as T
    from policyledger.web.subsidies.services import rules as rule_service

    p = make_programme(max_award_yuan=None, open_=False)
    p.rules.all().delete()
    jdm = T.rate_with_caps(
        p.name,
        [("sector", "行业")],
        [T.RateRow(when={}, rate=Decimal("0.1"), reason="按开票金额10%补贴")],
        person_cap_fen=300_000,
    )
    case = {
        "name": "开票3万元，已领0元",
        "inputs": {"sector": "家电", "price_fen": 3_000_000, "person_received_fen": 0},
        "expected": {"amount_fen": 300_000, "eligible": True},
    }
    version = rule_service.add_version(p, jdm, dt.date(2026, 1, 1), cases=[case])
    rule_service.publish(version)
    from policyledger.web.subsidies.services import programmes as programme_service

    programme_service.open_programme(p)
    return p


def test_per_person_cap_holds_across_two_applications(make_programme, make_applicant, officer):
    """Each application was decided when the person had nothing committed, so two applications
    each got the whole per-person cap and both could be approved: 6000元 against a 3000元 cap."""
    from policyledger.web.subsidies.services.errors import SubsidyError

    p = _person_capped_programme(make_programme)
    person = make_applicant("甲公司")
    first = apply(p, person, "3207001234", "00000101", price_yuan=30000)
    second = apply(p, person, "3207001234", "00000102", price_yuan=30000)
    assert first.amount_fen == second.amount_fen == 300_000
    svc.approve(officer, first)
    with pytest.raises(SubsidyError) as exc:
        svc.approve(officer, second)
    assert "每人" in exc.value.message or "剩余" in exc.value.message
    held = Application.objects.filter(applicant=person, status__in=Application.COMMITTED)
    assert sum(held.values_list("awarded_fen", flat=True)) == 300_000


def test_import_with_an_absurd_amount_is_refused_by_row_not_a_crash(make_programme):
    """1e20元 passed the import's amount check (finite, positive, two decimals) although the
    forms and the API refuse more than 1e12元: the import stored an application of 1e13元 (the
    rule's result clamped somewhere on the way) instead of naming the row."""
    from subsidy_ids import uscc

    from policyledger.web.subsidies.services import auto
    from policyledger.web.subsidies.services.errors import ImportRefused

    p = make_programme(max_award_yuan=None)
    data = (
        "类型,名称,证件号码,开票金额\n"
        f"企业,甲公司,{uscc(1)},100\n"
        f"企业,乙公司,{uscc(2)},99999999999999999999\n"
    ).encode()
    with pytest.raises(ImportRefused) as exc:
        auto.import_applications(p, data, "a.csv")
    assert "第3行" in exc.value.message
    assert not Application.objects.exists()


def test_an_applicant_reaches_nothing_of_another_applicant(make_programme, make_applicant):
    """IDOR sweep (verified sound): every /subsidies/ and /api/v1/subsidies/ URL that names an
    application, its material or an officer action answers 403/404 to another applicant (and to
    that applicant's officer-only actions), and changes nothing."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.test import Client
    from subsidy_ids import uscc

    from policyledger.web.subsidies.models import Material
    from policyledger.web.subsidies.services import applicants as applicant_service

    p = make_programme()
    owner = make_applicant("甲公司")
    app = apply(p, owner, "3207001234", "00000901")
    Application.objects.filter(pk=app.pk).update(status=S.ENTITLED)
    material = Material.objects.create(
        application=app, file=ContentFile(b"%PDF-1.4 x", name="a.pdf"), name="a.pdf", size=10
    )
    applicant_service.register(
        "mallory", "pw-mallory-123", kind="enterprise", name="乙公司", id_number=uscc(77)
    )
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username="mallory"))
    n = app.number
    gets = [
        f"/subsidies/a/{n}/",
        f"/subsidies/material/{material.pk}",
        f"/api/v1/subsidies/applications/{n}",
        f"/subsidies/manage/{p.pk}/",
    ]
    posts = [
        f"/subsidies/a/{n}/confirm",
        f"/subsidies/a/{n}/resubmit",
        f"/subsidies/a/{n}/review",
        f"/subsidies/manage/{p.pk}/action",
    ]
    for url in gets:
        assert client.get(url).status_code in (302, 401, 403, 404), url
    for url in posts:
        r = client.post(url, {"action": "approve", "amount": "1"})
        assert r.status_code in (302, 401, 403, 404), url
    api = client.post(
        f"/api/v1/subsidies/applications/{n}/review",
        {"action": "approve"},
        content_type="application/json",
    )
    assert api.status_code in (401, 403, 404)
    app.refresh_from_db()
    assert app.status == S.ENTITLED and not app.events.exclude(action="submit").exists()
