"""The `policyledger vouchers` commands other than audit and reconcile."""

import datetime as dt

from click.testing import CliRunner
from openpyxl import load_workbook

from policyledger.cli import main
from policyledger.web.vouchers.models import Campaign, LotteryEntry
from policyledger.web.vouchers.services import lottery
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.redemption import redeem


def _drawn(make_campaign, make_user, now):
    c = make_campaign(
        batches=((50, 200, 2, 1),), mode=Campaign.Mode.LOTTERY, status=Campaign.Status.REGISTRATION
    )
    for i in range(6):
        lottery.register(make_user(f"e{i}"), c, now=now)
    lottery.draw(c, now=now + dt.timedelta(days=2))
    c.refresh_from_db()
    return c


def test_draw_recomputes_and_matches_the_record(make_campaign, make_user, now, tmp_path):
    c = _drawn(make_campaign, make_user, now)
    listing = CliRunner().invoke(main, ["vouchers", "entrants", "--campaign", str(c.pk)])
    entrants = tmp_path / "entrants.txt"
    entrants.write_text(listing.output, encoding="utf-8")
    args = [
        "vouchers",
        "draw",
        "--campaign",
        str(c.pk),
        "--seed",
        c.seed,
        "--entrants",
        str(entrants),
    ]
    result = CliRunner().invoke(main, [*args, "--hash", c.seed_hash, "--winners", "2"])
    assert result.exit_code == 0, result.output
    assert "与系统记录的摇号名次一致" in result.output and "种子哈希与公布值一致" in result.output
    winners = list(
        LotteryEntry.objects.filter(campaign=c).order_by("rank").values_list("id", flat=True)
    )[:2]
    assert f"1\t{winners[0]}" in result.output and f"2\t{winners[1]}" in result.output


def test_draw_with_a_wrong_seed_or_list_fails(make_campaign, make_user, now, tmp_path):
    c = _drawn(make_campaign, make_user, now)
    entrants = tmp_path / "entrants.txt"
    entrants.write_text("\n".join(str(i) for i in lottery.entrant_ids(c)), encoding="utf-8")
    wrong = CliRunner().invoke(
        main,
        [
            "vouchers",
            "draw",
            "--campaign",
            str(c.pk),
            "--seed",
            "guess",
            "--entrants",
            str(entrants),
        ],
    )
    assert wrong.exit_code == 1 and "不一致" in wrong.output
    entrants.write_text("12\nabc\n", encoding="utf-8")
    bad = CliRunner().invoke(
        main,
        [
            "vouchers",
            "draw",
            "--campaign",
            str(c.pk),
            "--seed",
            c.seed,
            "--entrants",
            str(entrants),
        ],
    )
    assert bad.exit_code != 0 and "第2行不是报名编号" in bad.output


def test_settle_expire_and_scan_commands(make_campaign, alice, restaurant, now, tmp_path):
    c = make_campaign()
    v = claim(alice, c, idempotency_key="k", now=now).voucher
    redeem(restaurant, v.code, "250", idempotency_key="r", now=now)
    out = tmp_path / "结算.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "vouchers",
            "settle",
            "--campaign",
            str(c.pk),
            "--day",
            now.date().isoformat(),
            "--xlsx",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "海州饭店" in result.output and "政府33.33" in result.output
    assert load_workbook(out).active["B3"].value == "海州饭店"
    result = CliRunner().invoke(main, ["vouchers", "scan", "--campaign", str(c.pk)])
    assert result.exit_code == 0 and "新增风险标记：0条" in result.output
    result = CliRunner().invoke(main, ["vouchers", "expire"])
    assert result.exit_code == 0 and "已过期" in result.output
    missing = CliRunner().invoke(main, ["vouchers", "settle", "--campaign", "424242"])
    assert missing.exit_code != 0 and "活动424242不存在" in missing.output
