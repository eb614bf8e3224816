"""测算（what-if）: a hand-computed population through the service, the page (per role) and the API;
bad uploads refused with row and column; money committed/paid on the dashboard's 资金兑现 panel."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from subsidy_ids import id_number

from policyledger.web.documents.models import Measure
from policyledger.web.subsidies.models import Programme
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services import programmes as programme_service
from policyledger.web.subsidies.services import whatif
from policyledger.web.subsidies.services.errors import ImportRefused, InvalidInput

pytestmark = pytest.mark.django_db

# Rate 10%, cap 200元 per invoice, pool 500元 (the programme as it stands):
#   1000.00 -> 100.00 | 3000.00 -> 300 capped 200.00 | 1500.05 -> 150.005 -> 150.01 | 2500 -> 200.00
# total 650.01; running 100.00, 300.00, 450.01, 650.01 -> the 4th invoice finds the pool out.
# Scenario 20%, no cap, pool 1000元: 200.00, 600.00, 300.01, 500.00 = 1600.01;
# running 200.00, 800.00, 1100.01 -> out at the 3rd.
CSV = "开票金额（元）,区县\n1000.00,甲区\n3000.00,乙区\n1500.05,甲区\n2500,乙区\n"
SCENARIO = whatif.Params(budget_fen=1000_00, rate_percent=Decimal("20"), max_award_fen=None)


@pytest.fixture
def programme(make_programme):
    return make_programme(budget_yuan=500, rate="10", max_award_yuan=200)


@pytest.fixture
def resident(db):
    from policyledger.web.subsidies.services.applicants import register

    return register(
        "wangfang", "pw-wangfang-123", kind="person", name="王芳", id_number=id_number(5)
    )


def test_service_baseline_vs_scenario_by_hand(programme):
    pop = whatif.population(programme, "upload", data=CSV.encode(), filename="a.csv")
    r = whatif.run(programme, pop, SCENARIO)
    b, s = r["baseline"], r["scenario"]
    assert (b["total_cost_fen"], b["funded_fen"], b["eligible"], b["people_served"]) == (
        65001,
        45001,
        4,
        3,
    )
    assert b["share_of_budget"] == "1.3000" and b["budget_fen"] == 50000
    assert b["runs_out"] and b["runs_out_at"] == 4 and b["runs_out_after"] == 3
    assert (s["total_cost_fen"], s["funded_fen"], s["people_served"]) == (160001, 80000, 2)
    assert s["share_of_budget"] == "1.6000" and s["runs_out_at"] == 3
    by = {d["district"]: d for d in r["by_district"]}
    assert by["甲区"]["baseline"] == {
        "cost_fen": 25001,
        "funded_fen": 25001,
        "eligible": 2,
        "served": 2,
    }
    assert by["乙区"]["baseline"]["funded_fen"] == 20000 and by["乙区"]["baseline"]["served"] == 1
    assert by["乙区"]["scenario"]["funded_fen"] == 60000
    assert set(r["chart"]["districts"]) == {"甲区", "乙区"}
    i = r["chart"]["districts"].index("甲区")
    assert r["chart"]["scenario_funded_fen"][i] == 20000  # 甲区 first invoice only: 200.00
    rows = dict((label, (x, y)) for label, x, y in r["rows"])
    assert rows["总成本（元，按规则应补）"] == ("650.01", "1,600.01")
    # A pool big enough for everyone never runs out.
    big = whatif.run(
        programme,
        pop,
        whatif.Params(budget_fen=10**9, rate_percent=Decimal("10"), max_award_fen=20000),
    )
    assert not big["scenario"]["runs_out"] and big["scenario"]["people_served"] == 4
    assert big["scenario"]["runs_out_text"] == "未用完"


def test_submission_time_column_orders_the_pool(programme):
    """With 提交时间 the pool pays in time order, not row order."""
    text = (
        "开票金额（元）,区县,提交时间\n"
        "3000.00,乙区,2026-05-02 09:00\n"
        "1000.00,甲区,2026-05-01 09:00\n"
        "2500,乙区,2026-05-03 09:00\n"
    )
    pop = whatif.population(programme, "upload", data=text.encode(), filename="t.csv")
    r = whatif.run(programme, pop, whatif.current_params(programme))
    # in time order: 100.00, 200.00 (=300.00), 200.00 (=500.00): exactly the pool, none left out
    assert r["baseline"]["funded_fen"] == 50000 and not r["baseline"]["runs_out"]
    r = whatif.run(
        programme,
        pop,
        whatif.Params(budget_fen=299_99, rate_percent=Decimal("10"), max_award_fen=20000),
    )
    assert r["scenario"]["runs_out_at"] == "2026-05-02T09:00:00"
    assert r["scenario"]["people_served"] == 1


def test_bad_uploads_are_refused_with_row_and_column(programme):
    bad = "开票金额（元）,区县,提交时间\n1000.00,甲区,2026-05-01\nabc,乙区,2026-05-01\n12.345,甲区,昨天\n"
    with pytest.raises(ImportRefused) as exc:
        whatif.population(programme, "upload", data=bad.encode(), filename="bad.csv")
    text = exc.value.message
    assert "第3行“开票金额（元）”" in text and "“abc”" in text
    assert "第4行“开票金额（元）”" in text and "第4行“提交时间”" in text
    with pytest.raises(ImportRefused, match="缺少列：开票金额"):
        whatif.population(programme, "upload", data="区县\n甲区\n".encode(), filename="h.csv")
    with pytest.raises(ImportRefused, match="空"):
        whatif.population(programme, "upload", data=b"\n\n", filename="e.csv")
    big = b"x" * (whatif.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(InvalidInput, match="文件过大"):
        whatif.population(programme, "upload", data=big, filename="big.csv")
    many = "开票金额（元）\n" + "1.00\n" * (whatif.MAX_UPLOAD_ROWS + 1)
    with pytest.raises(InvalidInput, match="最多"):
        whatif.population(programme, "upload", data=many.encode(), filename="many.csv")


def test_xlsx_upload(programme):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["开票金额（元）", "区县"])
    for amount, district in [("1000.00", "甲区"), ("3000.00", "乙区"), ("1500.05", "甲区")]:
        ws.append([amount, district])
    buf = io.BytesIO()
    wb.save(buf)
    pop = whatif.population(programme, "upload", data=buf.getvalue(), filename="p.xlsx")
    r = whatif.run(programme, pop, SCENARIO)
    assert r["baseline"]["total_cost_fen"] == 45001 and r["size"] == 3


def test_scenario_parameters_are_checked(programme):
    pop = whatif.generated_population(programme, 100, 1)
    with pytest.raises(InvalidInput, match="补贴比例"):
        whatif.run(programme, pop, whatif.Params(budget_fen=100, rate_percent=Decimal("0")))
    with pytest.raises(InvalidInput, match="资金总额"):
        whatif.run(programme, pop, whatif.Params(budget_fen=0, rate_percent=Decimal("10")))
    with pytest.raises(InvalidInput, match="模拟人数"):
        whatif.generated_population(programme, 0, 1)


def test_generated_population_is_seeded(programme):
    one = whatif.run(programme, whatif.generated_population(programme, 5000, 7), SCENARIO)
    again = whatif.run(programme, whatif.generated_population(programme, 5000, 7), SCENARIO)
    other = whatif.run(programme, whatif.generated_population(programme, 5000, 8), SCENARIO)
    assert one == again and one["size"] == 5000
    assert one["baseline"]["total_cost_fen"] != other["baseline"]["total_cost_fen"]
    # scenario (20%, no cap) costs more than the baseline (10%, 200元 cap) on the same people
    assert one["scenario"]["total_cost_fen"] > one["baseline"]["total_cost_fen"]


def test_programme_applications_as_population(programme, make_applicant):
    t0 = dt.datetime(2026, 5, 11, 9, tzinfo=dt.UTC)
    for i, (price, region) in enumerate(
        [(1_000_00, "甲区"), (3_000_00, "乙区"), (2_500_00, "乙区")]
    ):
        svc.submit(
            programme,
            make_applicant(f"公司{i}"),
            figures={"price_fen": price},
            region=region,
            submitted_at=t0 + dt.timedelta(hours=i),
            on=dt.date(2026, 5, 11),
        )
    pop = whatif.population(programme, "applications")
    r = whatif.run(programme, pop, SCENARIO)
    assert r["baseline"]["total_cost_fen"] == 50000 and not r["baseline"]["runs_out"]
    assert r["scenario"]["total_cost_fen"] == 130000
    assert r["scenario"]["runs_out_at"] == "2026-05-11T11:00:00"
    other = Programme.objects.create(
        name="空项目", kind=Programme.Kind.RATE, budget_fen=100, rate_percent=Decimal("10")
    )
    with pytest.raises(InvalidInput, match="还没有申请"):
        whatif.population(other, "applications")


def test_page_per_role(programme, login, alice, bob, dave, resident):
    url = f"/subsidies/manage/{programme.pk}/whatif"
    officer = login(alice)
    page = officer.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="500.00"' in html and 'value="200.00"' in html  # prefilled from the programme
    assert re.search(r'<input[^>]*name="rate_percent"[^>]*value="10"', html)
    r = officer.post(
        url,
        {
            "source": "upload",
            "rate_percent": "20",
            "max_award": "",
            "budget": "1000.00",
            "upload": SimpleUploadedFile("p.csv", CSV.encode(), content_type="text/csv"),
        },
    )
    html = r.content.decode()
    assert r.status_code == 200 and "1,600.01" in html and "650.01" in html
    assert 'id="whatif-data"' in html and "subsidies/whatif.js" in html
    assert "<script>" not in html  # data through json_script only (strict CSP)
    bad = officer.post(
        url,
        {
            "source": "upload",
            "rate_percent": "20",
            "budget": "1000",
            "upload": SimpleUploadedFile("b.csv", "开票金额（元）\nabc\n".encode()),
        },
    )
    assert bad.status_code == 200 and "第2行“开票金额（元）”" in bad.content.decode()
    generated = officer.post(
        url,
        {
            "source": "generated",
            "size": "2000",
            "seed": "3",
            "rate_percent": "15",
            "max_award": "300",
            "budget": "500",
        },
    )
    assert generated.status_code == 200 and "whatif-table" in generated.content.decode()
    unchanged = officer.post(
        url,
        {
            "source": "generated",
            "size": "500",
            "seed": "1",
            "rate_percent": "10.000",
            "max_award": "200.00",
            "budget": "500.00",
        },
    )
    assert unchanged.status_code == 200 and "whatif-table" in unchanged.content.decode()
    assert login(dave).get(url).status_code == 200  # 领导 reads
    assert login(bob).get(url).status_code == 403  # 填报人
    applicant = Client()
    applicant.force_login(resident.user)
    assert applicant.get(url).status_code == 403
    assert applicant.post(url, {"source": "generated", "budget": "1"}).status_code == 403


def test_api_whatif(programme, alice, bob):
    from policyledger.web.accounts.services import issue_token

    def post(user, body):
        _, key = issue_token(user)
        return Client().post(
            f"/api/v1/subsidies/programmes/{programme.pk}/whatif",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    r = post(
        alice,
        {
            "source": "upload",
            "invoices_csv": CSV,
            "rate_percent": "20",
            "max_award_fen": None,
            "budget_fen": 1000_00,
        },
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["baseline"]["total_cost_fen"] == 65001 and data["scenario"]["funded_fen"] == 80000
    assert data["baseline"]["runs_out_at"] == 4
    # left out: the programme's own cap (200元) and budget
    same = post(alice, {"source": "upload", "invoices_csv": CSV}).json()
    assert same["scenario"] == same["baseline"]
    bad = post(alice, {"source": "upload", "invoices_csv": "开票金额（元）\n1\nx\n"})
    assert bad.status_code == 400 and bad.json()["code"] == "import_refused"
    assert "第3行“开票金额（元）”" in bad.json()["detail"]
    assert post(alice, {"source": "generated", "rate_percent": "abc"}).status_code == 400
    assert post(bob, {"source": "generated"}).status_code == 403


def test_dashboard_shows_committed_and_paid(published, tasks, resident, login, alice):
    measure = Measure.objects.get(document=published, number="一、")
    dashboard = login(alice).get("/tracking/dashboard/")
    assert dashboard.status_code == 200 and "dashboard-money" not in dashboard.content.decode()
    p = programme_service.create_programme(
        measure=measure, kind=Programme.Kind.RATE, rate_percent="10", max_award_fen=None
    )
    programme_service.install_default_rule(p, effective_from=dt.date(2022, 1, 1))
    programme_service.open_programme(p)
    svc.approve(alice, svc.submit(p, resident, figures={"price_fen": 1_000_000_00}))
    html = login(alice).get("/tracking/dashboard/").content.decode()
    assert "dashboard-money" in html and "资金兑现" in html
    assert "10,000,000.00" in html and "100,000.00" in html and "1.0%" in html
    filtered = login(alice).get(f"/tracking/dashboard/?document={published.pk}").content.decode()
    assert "100,000.00" in filtered
    elsewhere = login(alice).get(f"/tracking/dashboard/?document={published.pk + 999}")
    assert "dashboard-money" not in elsewhere.content.decode()


def test_fixed_award_programme_and_unsupported_kinds(make_programme, alice):
    fixed = make_programme(
        "活动组织奖补",
        kind=Programme.Kind.FIXED,
        rate=None,
        min_award_yuan=10_000,
        max_award_yuan=100_000,
        budget_yuan=1_000_000,
    )
    with pytest.raises(ImportRefused, match="缺少列：参与商户数"):
        whatif.population(fixed, "upload", data="开票金额（元）\n1\n".encode(), filename="f.csv")
    text = "参与商户数,区县\n500,甲区\n0,乙区\n"
    pop = whatif.population(fixed, "upload", data=text.encode(), filename="f.csv")
    now = whatif.current_params(fixed)
    same = whatif.run(fixed, pop, now)
    assert same["baseline"] == same["scenario"]
    assert same["baseline"]["total_cost_fen"] == 100_000_00  # the top tier pays the maximum
    more = whatif.run(
        fixed,
        pop,
        whatif.Params(budget_fen=now.budget_fen, min_award_fen=10_000_00, max_award_fen=200_000_00),
    )
    assert more["scenario"]["total_cost_fen"] == 200_000_00
    ranking = Programme.objects.create(
        name="排名奖", kind=Programme.Kind.RANKING, budget_fen=100, rate_percent=None
    )
    with pytest.raises(InvalidInput, match="暂不支持"):
        whatif.generated_population(ranking, 10, 1)
    from policyledger.web.accounts.services import issue_token

    _, key = issue_token(alice)
    missing = Client().post(
        "/api/v1/subsidies/programmes/999999/whatif",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert missing.status_code == 404 and "detail" in missing.json()
