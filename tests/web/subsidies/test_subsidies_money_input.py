"""Money on the subsidy pages is typed the way people write it (600万) and read by the one amount
parser (``parse_yuan`` on ``formats.amounts.parse_amount``): programme budget and caps, the budget
change, the calculator, the what-if and imported amounts. Bad input is a Chinese error beside its
field, the typed text stays, nothing is written; amounts are shown through the one formatter."""

from __future__ import annotations

import pytest
from django.test import Client

from policyledger.web.subsidies.models import Programme
from policyledger.web.subsidies.services.calculator import parse_yuan
from policyledger.web.subsidies.services.errors import InvalidInput

FORM = {
    "name": "六百万家电补贴",
    "kind": Programme.Kind.RATE,
    "budget": "600万",
    "rate_percent": "10",
    "min_award": "",
    "max_award": "2,000元",
    "manual_over": "0.5万",
    "sectors": "家电",
    "exclusion_group": "",
    "notice_days": "5",
    "overflow": Programme.Overflow.REFUSE,
}


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("600万", 6_000_000_00), ("1,000万元", 10_000_000_00), ("135.50", 135_50),
     ("1.5亿", 150_000_000_00), ("３５９９", 3599_00), ("3，599.50", 3599_50)],
)  # fmt: skip
def test_parse_yuan_reads_amounts_as_people_write_them(typed, fen):
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize(
    ("typed", "message"),
    [("六百万", "应为数字"), ("1e30", "过大"), ("1E+12345678", "过大"), ("-5", "不能为负"),
     ("-600万", "不能为负"), ("0.001", "两位小数"), ("NaN", "应为数字"), ("", "应为数字")],
)  # fmt: skip
def test_parse_yuan_refuses_bad_amounts_in_chinese(typed, message):
    with pytest.raises(InvalidInput, match=message):
        parse_yuan(typed, "资金总额")


def test_programme_form_accepts_600wan(login, alice, published):
    client = login(alice)
    response = client.post("/subsidies/manage/new", FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    programme = Programme.objects.get(name="六百万家电补贴")
    assert programme.budget_fen == 6_000_000_00
    assert programme.max_award_fen == 2000_00 and programme.manual_over_fen == 5000_00
    detail = client.get(f"/subsidies/manage/{programme.pk}/").content.decode()
    assert "资金总额 <strong>600万元</strong>" in detail
    assert "600万元" in client.get("/subsidies/manage/").content.decode()
    # The budget change takes 600万 too.
    client.post(f"/subsidies/manage/{programme.pk}/action", {"action": "budget", "budget": "800万"})
    programme.refresh_from_db()
    assert programme.budget_fen == 8_000_000_00


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [("budget", "六百万", "资金总额应为数字"), ("budget", "1e30", "资金总额过大"),
     ("max_award", "-2000", "单笔上限不能为负"), ("manual_over", "abc", "人工复核金额应为数字")],
)  # fmt: skip
def test_programme_form_refuses_bad_money_beside_the_field(
    login, alice, published, field, typed, message
):
    response = login(alice).post("/subsidies/manage/new", {**FORM, field: typed})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field]), form.errors
    assert f'value="{typed}"' in response.content.decode()
    assert not Programme.objects.exists()


def test_calculator_takes_wan_and_explains_bad_amounts(make_programme):
    make_programme("节能家电补贴", sectors=["家电"])
    ok = Client().get(
        "/subsidies/calculator/", {"applicant_kind": "person", "sector": "家电", "amount": "0.36万"}
    )
    assert ok.status_code == 200 and "节能家电补贴" in ok.content.decode()
    bad = Client().get(
        "/subsidies/calculator/", {"applicant_kind": "person", "sector": "家电", "amount": "三千"}
    )
    assert bad.status_code == 200
    assert "购买金额应为数字" in " ".join(bad.context["form"].errors["amount"])
    assert 'value="三千"' in bad.content.decode()


def _fen_column(jdm: dict) -> tuple[str, str]:
    for node in jdm["nodes"]:
        if node.get("type") != "decisionTableNode":
            continue
        for col in node["content"]["inputs"] + node["content"]["outputs"]:
            if str(col.get("field") or "").endswith("_fen"):
                return node["id"], col["id"]
    raise AssertionError("the default rule has no money column")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("2,500元", "250000"), ("0.5万", "500000"), ("[1万..2万]", "[1000000..2000000]"),
     ("250000", "250000"), ("６．５万", "6500000"), ("１，０００元", "100000"),
     ("２５００００", "250000")],
)  # fmt: skip
def test_rule_editor_money_cells_take_amounts_with_their_unit(
    make_programme, login, alice, typed, stored
):
    from policyledger.web.subsidies.models import RuleVersion

    programme = make_programme(sectors=["家电"], max_award_yuan=2000)
    v1 = programme.rules.get()
    node, column = _fen_column(v1.jdm)
    login(alice).post(
        f"/subsidies/manage/{programme.pk}/action",
        {"action": "edit_rule", "version": v1.pk, f"cell|{node}|0|{column}": typed,
         "effective_from": "2026-07-01"},
    )  # fmt: skip
    v2 = RuleVersion.objects.get(programme=programme, number=2)
    table = next(n for n in v2.jdm["nodes"] if n["id"] == node)
    assert table["content"]["rules"][0][column] == stored


def test_rule_editor_refuses_a_bad_amount_in_a_money_cell(make_programme, login, alice):
    from policyledger.web.subsidies.models import RuleVersion

    programme = make_programme(sectors=["家电"], max_award_yuan=2000)
    v1 = programme.rules.get()
    node, column = _fen_column(v1.jdm)
    response = login(alice).post(
        f"/subsidies/manage/{programme.pk}/action",
        {"action": "edit_rule", "version": v1.pk, f"cell|{node}|0|{column}": "0.001元",
         "effective_from": "2026-07-01"},
        follow=True,
    )  # fmt: skip
    assert "最多到分" in response.content.decode()
    assert RuleVersion.objects.filter(programme=programme).count() == 1


def test_whatif_upload_reads_amounts_with_units_and_names_bad_cells(make_programme):
    from policyledger.web.subsidies.services import whatif
    from policyledger.web.subsidies.services.errors import ImportRefused

    programme = make_programme(sectors=[])
    csv = '开票金额（元）,区县\n0.1万,甲区\n"3,000元",乙区\n'
    pop = whatif.population(programme, "upload", data=csv.encode(), filename="a.csv")
    assert list(pop["price_fen"]) == [1000_00, 3000_00]
    bad = "开票金额（元）,区县\n六百元,甲区\n"
    with pytest.raises(ImportRefused) as refused:
        whatif.population(programme, "upload", data=bad.encode(), filename="a.csv")
    assert any("第2行" in e and "六百元" in e for e in refused.value.errors)


def test_budget_change_refused_beside_the_field_with_the_typed_text(make_programme, login, alice):
    programme = make_programme(budget_yuan=100_000)
    client = login(alice)
    response = client.post(
        f"/subsidies/manage/{programme.pk}/action",
        {"action": "budget", "budget": "六百万"},
        follow=True,
    )
    page = response.content.decode()
    assert 'value="六百万"' in page
    assert '<span class="error-text" role="alert">资金总额应为数字' in page
    programme.refresh_from_db()
    assert programme.budget_fen == 100_000_00
    # Shown once: the next visit has an empty field again.
    again = client.get(f"/subsidies/manage/{programme.pk}/").content.decode()
    assert 'value="六百万"' not in again


def test_rule_json_box_shows_the_rule_as_json_and_escapes_its_text(make_programme, login, alice):
    """The JDM box printed the rule's Python repr unescaped ({'nodes': ...}: not JSON, so saving
    it back failed, and a cell's text could close the textarea and add markup)."""
    import html
    import json

    from policyledger.web.subsidies.models import RuleVersion

    programme = make_programme(sectors=["家电"], max_award_yuan=2000)
    v1 = programme.rules.get()
    node, _ = _fen_column(v1.jdm)
    client = login(alice)
    client.post(
        f"/subsidies/manage/{programme.pk}/action",
        {"action": "edit_rule", "version": v1.pk,
         f"cell|{node}|0|_description": '</textarea><form id="evil"></form>',
         "effective_from": "2026-07-01"},
    )  # fmt: skip
    latest = RuleVersion.objects.get(programme=programme, number=2)
    page = client.get(f"/subsidies/manage/{programme.pk}/").content.decode()
    assert '<form id="evil">' not in page
    box = page.split('name="jdm"')[1].split(">", 1)[1].split("</textarea>")[0]
    assert json.loads(html.unescape(box)) == latest.jdm
