"""`policyledger vouchers ...`: thin commands over the voucher services.

Django is imported inside each command (DJANGO_SETTINGS_MODULE defaults to
policyledger.web.settings), so `policyledger --help` needs no database.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from policyledger.web.core.cli import ServiceGroup as _Group
from policyledger.web.core.cli import setup_django as _django


def _campaign(campaign_id: int):
    from policyledger.web.vouchers.models import Campaign

    try:
        return Campaign.objects.get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise click.ClickException(f"活动{campaign_id}不存在") from None


@click.group(cls=_Group)
def vouchers() -> None:
    """消费券活动：对账审计、摇号验证、Redis 对账、过期、结算、风险扫描。"""


@vouchers.command()
@click.option("--campaign", "campaign_id", type=int, help="只审计这个活动（默认全部）")
def audit(campaign_id: int | None) -> None:
    """证明账本不变量：发行 = 待领取 + 已领取 + 已核销 + 已过期 + 已作废；核销金额 = 核销记录之和；每人限领。

    有问题时打印中文报告并以非零状态退出。

    \b
    示例：
      policyledger vouchers audit
      policyledger vouchers audit --campaign 1
    """
    _django()
    from policyledger.web.vouchers.services.audit import audit as run_audit

    campaign = _campaign(campaign_id) if campaign_id else None
    problems = run_audit(campaign)
    if problems:
        click.echo(f"审计未通过：发现{len(problems)}个问题", err=True)
        for p in problems:
            click.echo(f"  - {p}", err=True)
        sys.exit(1)
    click.echo("审计通过：所有券状态、计数、金额与每人限领均一致。")


def _recorded_lottery(campaign_id: int):
    """(campaign, recorded ranking) from the database, or (None, None) when there is none here."""
    try:
        _django()
        from django.db import DatabaseError

        from policyledger.web.vouchers.models import Campaign, LotteryEntry

        try:
            campaign = Campaign.objects.filter(pk=campaign_id).first()
            if campaign is None:
                return None, None
            recorded = list(
                LotteryEntry.objects.filter(campaign=campaign, rank__isnull=False)
                .order_by("rank")
                .values_list("id", flat=True)
            )
            return campaign, recorded
        except DatabaseError:
            return None, None
    except Exception:  # no database here: the published values alone are the answer
        return None, None


@vouchers.command()
@click.option("--campaign", "campaign_id", type=int, required=True, help="活动编号")
@click.option("--seed", required=True, help="摇号后公布的承诺种子")
@click.option(
    "--entrants",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="公布的报名名单文件：每行一个报名编号",
)
@click.option("--winners", type=int, help="只列出前 N 名（默认全部名次）")
@click.option("--hash", "published_hash", help="活动创建时公布的种子哈希 sha256(种子)")
@click.option("--entrants-hash", "published_list_hash", help="报名截止时公布的名单哈希")
@click.option("--public-value", "public_value", help="报名截止后公布的公开值")
def draw(
    campaign_id: int,
    seed: str,
    entrants: Path,
    winners: int | None,
    published_hash: str | None,
    published_list_hash: str | None,
    public_value: str | None,
) -> None:
    """重算并核验摇号结果，任何人都可运行。

    先核对两个承诺：sha256(种子) 须等于创建时公布的种子哈希；名单文件的 sha256 须等于截止时
    公布的名单哈希。任何一项不一致（或无从核对）即拒绝并以非零状态退出。然后最终种子 =
    sha256(种子 ‖ 公开值)，报名编号升序排列后从末位起做 Fisher-Yates 洗牌，第 i 位与第 j 位
    交换，j = int(sha256("最终种子:i")) mod (i+1)。能连上数据库时还核对系统记录的名次。

    \b
    示例（不连数据库，用公布的值）：
      policyledger vouchers draw --campaign 3 --seed 9f2c... --entrants entrants.txt \\
        --hash 5d1e... --entrants-hash 77ab... --public-value "2026-05-02T10:00:00+00:00|77ab..."
    """
    from policyledger.web.vouchers.services.draw_algorithm import (
        entrants_hash,
        final_seed,
        seed_hash,
        shuffle,
    )

    ids = []
    for n, line in enumerate(entrants.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not (line.isascii() and line.isdigit()):
            raise click.ClickException(f"{entrants}第{n}行不是报名编号：{line!r}")
        ids.append(int(line))
    campaign, recorded = _recorded_lottery(campaign_id)
    digest, list_digest = seed_hash(seed.strip()), entrants_hash(ids)
    problems = []

    def check(what: str, computed: str, expected: list[tuple[str, str | None]]) -> None:
        given = [(src, v.strip().lower()) for src, v in expected if v]
        if not given:
            problems.append(f"无从核对{what}：请用参数提供公布的值")
        for src, value in given:
            same = value == computed
            click.echo(f"{what}与{src}{'一致' if same else '不一致！'}")
            if not same:
                problems.append(f"{what}与{src}不一致（计算值 {computed}，公布值 {value}）")

    click.echo(f"活动{campaign_id}：报名{len(set(ids))}人")
    click.echo(f"种子哈希 sha256(种子) = {digest}")
    click.echo(f"名单哈希 sha256(名单) = {list_digest}")
    check(
        "种子哈希",
        digest,
        [("公布值", published_hash), ("系统记录", campaign.seed_hash if campaign else None)],
    )
    check(
        "名单哈希",
        list_digest,
        [
            ("公布值", published_list_hash),
            ("系统记录", campaign.entrants_hash if campaign else None),
        ],
    )
    if public_value is None and campaign is not None:
        public_value = campaign.public_value
    if not public_value:
        problems.append("缺少公开值：请用 --public-value 提供报名截止后公布的公开值")
    elif campaign is not None and campaign.public_value and campaign.public_value != public_value:
        problems.append("公开值与系统记录不一致")
    if problems:
        for p in problems:
            click.echo(f"拒绝：{p}", err=True)
        sys.exit(1)
    final = final_seed(seed.strip(), public_value)
    click.echo(f"公开值 = {public_value}")
    click.echo(f"最终种子 sha256(种子 ‖ 公开值) = {final}")
    order = shuffle(final, ids)
    shown = order[:winners] if winners else order
    for rank, entrant in enumerate(shown, start=1):
        click.echo(f"{rank}\t{entrant}")
    if recorded:
        same = recorded == order
        click.echo("与系统记录的摇号名次一致" if same else "与系统记录的摇号名次不一致！")
        if not same:
            sys.exit(1)


@vouchers.command(name="close")
@click.option("--campaign", "campaign_id", type=int, required=True, help="活动编号")
@click.option(
    "--public-value",
    default="",
    help="报名截止后才产生的公开值（如某期福利彩票开奖号码）；不填则用截止时间和名单哈希",
)
def close_registration(campaign_id: int, public_value: str) -> None:
    """关闭摇号报名：冻结报名名单，公布名单哈希和公开值（此后不再接受报名）。"""
    _django()
    from policyledger.web.vouchers.services.lottery import close_registration as run

    c = run(_campaign(campaign_id), public_value=public_value)
    click.echo(f"报名已关闭：{c.entrants_count}人")
    click.echo(f"名单哈希 sha256 = {c.entrants_hash}")
    click.echo(f"公开值 = {c.public_value}")


@vouchers.command(name="verify-resident")
@click.argument("username")
@click.option("--undo", is_flag=True, help="撤销实名标记")
def verify_resident(username: str, undo: bool) -> None:
    """标记居民已实名认证（线下或对接实名系统核验之后），此后方可领券和报名摇号。

    \b
    示例：
      policyledger vouchers verify-resident zhangsan
    """
    _django()
    from django.contrib.auth import get_user_model

    from policyledger.web.vouchers.services.residents import mark_verified

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise click.ClickException(f"用户不存在：{username}")
    mark_verified(user, verified=not undo)
    click.echo(f"{username}：{'已撤销实名标记' if undo else '已标记为已实名'}")


@vouchers.command()
@click.option("--campaign", "campaign_id", type=int, required=True)
def entrants(campaign_id: int) -> None:
    """打印活动的报名名单（每行一个报名编号），供公布与核验。"""
    _django()
    from policyledger.web.vouchers.services.lottery import entrant_ids

    for entrant in entrant_ids(_campaign(campaign_id)):
        click.echo(entrant)


@vouchers.command()
@click.option("--campaign", "campaign_id", type=int, help="只处理这个活动（默认所有进行中的活动）")
@click.option("--rebuild", is_flag=True, help="按数据库重写 Redis 计数（重启后或停售维护时用）")
def reconcile(campaign_id: int | None, rebuild: bool) -> None:
    """Redis 闸门对账：处理超时的预留（已入库则确认，未入库则退回库存），补载缺失的计数，报告偏差。

    \b
    示例：
      REDIS_URL=redis://127.0.0.1:6379/0 policyledger vouchers reconcile
    """
    _django()
    from policyledger.web.vouchers.models import Campaign
    from policyledger.web.vouchers.services.gate import GateUnavailable, get_gate

    gate = get_gate()
    if gate is None:
        raise click.ClickException("未配置 REDIS_URL：没有 Redis 闸门需要对账")
    campaigns = (
        [_campaign(campaign_id)]
        if campaign_id
        else list(
            Campaign.objects.filter(status=Campaign.Status.OPEN, mode=Campaign.Mode.FIRST_COME)
        )
    )
    try:
        for c in campaigns:
            report = gate.reconcile(c)
            if rebuild or report["drift"]:
                missing = any(d["redis"] is None for d in report["drift"].values())
                if rebuild or missing:
                    gate.load(c, force=True)
                    report["reloaded"] = True
            click.echo(json.dumps(report, ensure_ascii=False))
    except GateUnavailable as exc:
        raise click.ClickException(f"Redis 不可用：{exc}") from None


@vouchers.command()
def expire() -> None:
    """把过了使用期限仍未使用的券标为已过期，并结束过期活动。"""
    _django()
    from policyledger.web.vouchers.services.redemption import expire as run

    click.echo(f"已过期：{run()}张")


@vouchers.command()
@click.option("--campaign", "campaign_id", type=int, required=True)
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="结算日（默认昨天）")
@click.option(
    "--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path), help="导出结算单"
)
def settle(campaign_id: int, day: dt.datetime | None, xlsx_path: Path | None) -> None:
    """按商户生成某日结算（政府/商户按出资比例分担，含日补贴上限）；被标记商户暂缓结算。

    \b
    示例：
      policyledger vouchers settle --campaign 1 --day 2026-05-01 --xlsx 结算.xlsx
    """
    _django()
    from django.utils import timezone

    from policyledger.web.vouchers.services import settlement

    campaign = _campaign(campaign_id)
    when = day.date() if day else timezone.localdate() - dt.timedelta(days=1)
    rows = settlement.settle_day(campaign, when)
    for s in rows:
        click.echo(
            f"{s.day}\t{s.merchant.name}\t笔数{s.count}\t券面{s.face_total}\t政府{s.gov_share}\t"
            f"商户{s.merchant_share}\t{s.get_status_display()}"
        )
    if xlsx_path:
        xlsx_path.write_bytes(settlement.export_xlsx(campaign, when))
        click.echo(f"已导出：{xlsx_path}")


@vouchers.command()
@click.option("--campaign", "campaign_id", type=int, required=True)
def scan(campaign_id: int) -> None:
    """风险扫描：同设备/同IP多账号、同一商户循环核销、反复刚过门槛、核销量突增。"""
    _django()
    from policyledger.web.vouchers.services.fraud import scan as run

    flags = run(_campaign(campaign_id))
    for f in flags:
        click.echo(
            f"{f.get_kind_display()}\t{f.subject}\t{json.dumps(f.evidence, ensure_ascii=False)}"
        )
    click.echo(f"新增风险标记：{len(flags)}条")
