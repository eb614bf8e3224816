"""`policyledger vouchers ...`: thin commands over the voucher services.

Django is imported inside each command (DJANGO_SETTINGS_MODULE defaults to
policyledger.web.settings), so `policyledger --help` needs no database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")
    import django

    django.setup()


def _campaign(campaign_id: int):
    from policyledger.web.vouchers.models import Campaign

    try:
        return Campaign.objects.get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise click.ClickException(f"活动{campaign_id}不存在") from None


class _Group(click.Group):
    """Turns database and business errors into one Chinese line and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except Exception as exc:
            from policyledger.web.core.errors import ServiceError

            if isinstance(exc, ServiceError):
                raise click.ClickException(exc.message) from None
            if type(exc).__module__.startswith(("django.db", "psycopg", "sqlite3")):
                raise click.ClickException(
                    f"数据库不可用或尚未迁移（请先运行迁移）：{exc}"
                ) from None
            raise


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


@vouchers.command()
@click.option("--campaign", "campaign_id", type=int, required=True, help="活动编号")
@click.option("--seed", required=True, help="摇号后公布的种子")
@click.option(
    "--entrants",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="公布的报名名单文件：每行一个报名编号",
)
@click.option("--winners", type=int, help="只列出前 N 名（默认全部名次）")
@click.option("--hash", "published_hash", help="报名截止前公布的种子哈希（不连数据库时用来核对）")
def draw(
    campaign_id: int, seed: str, entrants: Path, winners: int | None, published_hash: str | None
) -> None:
    """重算摇号结果，任何人都可核验。

    算法：报名编号升序排列，再从末位起做 Fisher-Yates 洗牌，第 i 位与第 j 位交换，
    j = int(sha256("种子:i")) mod (i+1)。名次即洗牌后的顺序。能连上数据库时还会核对
    已公布的种子哈希和已记录的名次。

    \b
    示例：
      policyledger vouchers draw --campaign 3 --seed 9f2c... --entrants entrants.txt --winners 100
    """
    from policyledger.web.vouchers.services.draw_algorithm import seed_hash, shuffle

    ids = []
    for n, line in enumerate(entrants.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.isdigit():
            raise click.ClickException(f"{entrants}第{n}行不是报名编号：{line!r}")
        ids.append(int(line))
    order = shuffle(seed, ids)
    digest = seed_hash(seed)
    click.echo(f"活动{campaign_id}：报名{len(order)}人，种子哈希 sha256 = {digest}")
    ok = True
    if published_hash:
        same = published_hash.strip().lower() == digest
        ok &= same
        click.echo("种子哈希与公布值一致" if same else "种子哈希与公布值不一致！")
    recorded = None
    try:
        _django()
        from django.db import DatabaseError

        from policyledger.web.vouchers.models import Campaign, LotteryEntry

        try:
            campaign = Campaign.objects.filter(pk=campaign_id).first()
            if campaign is not None:
                same = campaign.seed_hash == digest
                ok &= same
                click.echo("与系统公布的种子哈希一致" if same else "与系统公布的种子哈希不一致！")
                recorded = list(
                    LotteryEntry.objects.filter(campaign=campaign, rank__isnull=False)
                    .order_by("rank")
                    .values_list("id", flat=True)
                )
        except DatabaseError:
            recorded = None
    except Exception:  # no database here: the recomputation alone is the answer
        recorded = None
    shown = order[:winners] if winners else order
    for rank, entrant in enumerate(shown, start=1):
        click.echo(f"{rank}\t{entrant}")
    if recorded:
        same = recorded == order
        ok &= same
        click.echo("与系统记录的摇号名次一致" if same else "与系统记录的摇号名次不一致！")
    if not ok:
        sys.exit(1)


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
