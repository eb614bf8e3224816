"""`policyledger backup` / `restore`: a backup taken while reports and claims are being written
restores every write acknowledged before it began; bad files get a Chinese error and leave the
database as it was."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.contrib.auth import get_user_model
from django.db import connection
from waiting import join_all, wait_until

from policyledger.cli import main
from policyledger.web.backup import BackupError, backup, restore
from policyledger.web.tracking.models import Report
from policyledger.web.tracking.services.periods import parse_period
from policyledger.web.tracking.services.reports import submit_report
from policyledger.web.vouchers.models import Claim, ResidentProfile, Voucher
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.campaigns import BatchSpec, create_campaign
from policyledger.web.vouchers.services.claims import claim

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_gate(settings):
    settings.REDIS_URL = ""
    settings.VOUCHERS_CAMPAIGN_CACHE_S = 0


def _campaign(quantity: int):
    start = NOW - dt.timedelta(hours=1)
    spec = BatchSpec(face_value=Decimal(50), threshold=Decimal(200), quantity=quantity,
                     per_person_limit=1)  # fmt: skip
    return create_campaign(
        [spec], name="备份测试消费券", city="连云港市", budget=Decimal("10000000"),
        valid_from=start, valid_until=start + dt.timedelta(days=30), release_at=start,
        mode="first_come", per_person_limit=1, sectors=["餐饮"], status="open",
    )  # fmt: skip


def _periods(task):
    cycle = task.measure.document.cycle
    for year in range(2000, 2100):
        for month in range(1, 13):
            yield parse_period(f"{year}年{month}月", cycle)


class Writer(threading.Thread):
    """Submits reports and claims vouchers, one after another, until told to stop; records
    each write once the service has returned (committed), as a client would see it acknowledged."""

    def __init__(self, bob, task, campaign, residents, now):
        super().__init__(name="writer", daemon=True)
        self.args = bob, task, campaign, residents, now
        self.reports: list[tuple[int, int]] = []  # (report id, version)
        self.claims: list[tuple[int, int, int]] = []  # (claim id, voucher id, owner id)
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        bob, task, campaign, residents, now = self.args
        periods = _periods(task)
        try:
            for n, resident in enumerate(residents):
                if self.stop.is_set():
                    return
                report = submit_report(
                    bob, task, next(periods), task_status="in_progress", percent=n % 101,
                    narrative=f"第{n}次报送",
                )  # fmt: skip
                self.reports.append((report.pk, report.version))
                out = claim(resident, campaign, idempotency_key=f"k{n}", now=now)
                self.claims.append((out.claim.pk, out.voucher.pk, resident.pk))
        except BaseException as exc:  # surfaced by the test
            self.errors.append(exc)
        finally:
            connection.close()

    def acknowledged(self) -> int:
        return len(self.reports) + len(self.claims)


@pytest.mark.postgres
@pytest.mark.slow
def test_a_backup_taken_under_load_restores_every_acknowledged_write(tmp_path, tasks, bob):
    task = tasks[("一、", "市商务局")]
    campaign = _campaign(400)
    User = get_user_model()
    User.objects.bulk_create(User(username=f"resident{i}") for i in range(400))
    residents = list(User.objects.filter(username__startswith="resident").order_by("pk"))
    # Only verified (实名) residents may claim.
    ResidentProfile.objects.bulk_create(ResidentProfile(user=r, verified=True) for r in residents)
    writer = Writer(bob, task, campaign, residents, NOW)
    writer.start()
    try:
        wait_until(lambda: writer.acknowledged() >= 20 or writer.errors, "the first writes")
        reports_before, claims_before = list(writer.reports), list(writer.claims)
        backup(tmp_path / "under-load.dump")
        # Written once the backup had finished: must be gone after the restore.
        after = writer.acknowledged()
        wait_until(
            lambda: writer.acknowledged() >= after + 6 or writer.errors, "writes after the backup"
        )
    finally:
        writer.stop.set()
        join_all([writer])
    assert writer.errors == []
    reports_late = writer.reports[len(writer.reports) - 3 :]
    claims_late = writer.claims[len(writer.claims) - 3 :]

    restore(tmp_path / "under-load.dump")

    versions = dict(Report.objects.values_list("pk", "version"))
    assert all(versions.get(pk) == v for pk, v in reports_before), "a report acknowledged was lost"
    assert not any(pk in versions for pk, _ in reports_late)  # the restore did replace the data
    held = {c.pk: (c.voucher_id, c.user_id) for c in Claim.objects.all()}
    assert all(held.get(pk) == (v, u) for pk, v, u in claims_before), "a claim was lost"
    assert not any(pk in held for pk, _, _ in claims_late)
    owners = dict(Voucher.objects.filter(state="claimed").values_list("pk", "owner_id"))
    assert all(owners[v] == u for _, v, u in claims_before)
    assert audit(campaign) == []  # stock, claims and vouchers agree in the restored ledger


def test_backup_and_restore_round_trip(tmp_path, tasks, bob):
    task = tasks[("一、", "市商务局")]
    periods = _periods(task)
    kept = submit_report(bob, task, next(periods), task_status="in_progress", percent=10,
                         narrative="备份前")  # fmt: skip
    runner = CliRunner()
    path = tmp_path / "pl.backup"
    result = runner.invoke(main, ["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output
    later = submit_report(bob, task, next(periods), task_status="in_progress", percent=20,
                          narrative="备份后")  # fmt: skip
    Report.objects.filter(pk=kept.pk).update(narrative="改过")
    result = runner.invoke(main, ["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert Report.objects.get(pk=kept.pk).narrative == "备份前"
    assert not Report.objects.filter(pk=later.pk).exists()


def test_restore_refuses_what_is_not_a_backup_in_chinese(tmp_path, tasks, bob):
    task = tasks[("一、", "市商务局")]
    report = submit_report(bob, task, next(_periods(task)), task_status="in_progress",
                           percent=10, narrative="原样")  # fmt: skip
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a backup" * 100)
    with pytest.raises(BackupError, match="不是"):
        restore(junk)
    with pytest.raises(BackupError, match="找不到备份文件"):
        restore(tmp_path / "missing.db")
    result = CliRunner().invoke(main, ["restore", str(junk), "--yes"])
    assert result.exit_code == 1 and "不是" in result.output
    assert Report.objects.get(pk=report.pk).narrative == "原样"  # the database is untouched


def test_a_truncated_backup_is_refused_and_changes_nothing(tmp_path, tasks, bob):
    task = tasks[("一、", "市商务局")]
    report = submit_report(bob, task, next(_periods(task)), task_status="in_progress",
                           percent=10, narrative="原样")  # fmt: skip
    whole = backup(tmp_path / "whole.db")
    cut = tmp_path / "cut.db"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    Report.objects.filter(pk=report.pk).update(narrative="之后")
    with pytest.raises(BackupError):
        restore(cut)
    assert Report.objects.get(pk=report.pk).narrative == "之后"


def test_backup_errors_are_in_chinese(tmp_path):
    with pytest.raises(BackupError, match="备份目录不存在"):
        backup(tmp_path / "no" / "such" / "dir" / "x.db")
    with pytest.raises(BackupError, match="目录"):
        backup(tmp_path)
