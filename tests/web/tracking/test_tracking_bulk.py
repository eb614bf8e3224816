"""The 进度台账: exported as xlsx, filled in by a unit, uploaded back as one report per row."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from policyledger.web.tracking.models import Report


def export(client, query=""):
    response = client.get(f"/tracking/tasks/ledger.xlsx{query}")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def fill(book, rows):
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        task_id = row[0].value
        if task_id in rows:
            status, percent, narrative = rows[task_id]
            row[header.index("状态")].value = status
            row[header.index("完成进度")].value = percent
            row[header.index("进展情况")].value = narrative
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data, period="2022年9月"):
    return client.post(
        "/tracking/bulk/",
        {"period": period, "cycle": "monthly", "file": SimpleUploadedFile("台账.xlsx", data)},
    )


def test_reporter_exports_only_own_tasks(login, bob, tasks):
    sheet = export(login(bob)).active
    ids = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert ids == {tasks[("一、", "市商务局")].pk, tasks[("三、", "市商务局")].pk}
    assert [c.value for c in sheet[1]][:4] == ["任务编号", "文件", "序号", "重点任务"]


def test_round_trip_submits_one_report_per_row(login, bob, tasks, clock, now):
    client = login(bob)
    a, b = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    data = fill(
        export(client), {a.pk: ("推进中", 40, "第一批已发放"), b.pk: ("已完成", 100, "完成")}
    )
    with clock(now):
        response = upload(client, data)
    assert "已按2022年9月提交2项任务的进展" in response.content.decode()
    reports = {r.task_id: r for r in Report.objects.all()}
    assert (reports[a.pk].percent, reports[a.pk].task_status) == (40, "in_progress")
    assert (reports[b.pk].percent, reports[b.pk].task_status) == (100, "done")
    assert reports[a.pk].narrative == "第一批已发放"
    assert {r.period_label for r in reports.values()} == {"2022年9月"}


def test_a_row_for_another_units_task_rejects_the_whole_sheet(login, alice, bob, tasks):
    other = tasks[("二、", "市发展改革委")]
    own = tasks[("一、", "市商务局")]
    # alice's export holds every task; bob may report only on his own.
    data = fill(export(login(alice)), {own.pk: ("推进中", 10, "x"), other.pk: ("推进中", 20, "y")})
    page = upload(login(bob), data).content.decode()
    assert f"任务编号{other.pk}不存在或无权报送" in page
    assert Report.objects.count() == 0


def test_bad_values_are_listed_by_row_and_nothing_is_written(login, bob, tasks):
    client = login(bob)
    a, b = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    data = fill(export(client), {a.pk: ("推进中", 40, ""), b.pk: ("差不多", 150, "")})
    page = upload(client, data).content.decode()
    assert "第3行（三、活跃夜间经济）：状态须为未启动、推进中、已完成或滞后" in page
    assert Report.objects.count() == 0


def test_not_an_xlsx_is_a_clear_error(login, bob, tasks):
    page = upload(login(bob), b"just text").content.decode()
    assert "无法读取Excel文件" in page


def test_bad_period_is_a_clear_error(login, bob, tasks):
    data = fill(export(login(bob)), {})
    page = upload(login(bob), data, period="九月份").content.decode()
    assert "报送周期格式不正确" in page


def sheet_of(rows):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["任务编号", "状态", "完成进度", "进展情况"])
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_looking_up_the_rows_tasks_does_not_query_per_row(login, bob, tasks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(bob)
    a, b = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    other = tasks[("一、", "市财政局")]
    # A bad status on the last row: every row is looked up, then the sheet is refused unwritten.
    one = sheet_of([(other.pk, "推进中", 10, ""), (a.pk, "差不多", 40, "")])
    many = sheet_of(
        [(other.pk, "推进中", 10, ""), (a.pk, "推进中", 40, "")] * 10 + [(b.pk, "差不多", 40, "")]
    )
    with CaptureQueriesContext(connection) as few:
        page = upload(client, one).content.decode()
    assert "第2行：任务编号" in page and "第3行（一、发放消费券）：状态须为" in page
    with CaptureQueriesContext(connection) as more:
        page = upload(client, many).content.decode()
    assert "第20行：任务编号" in page and "第22行（三、活跃夜间经济）：状态须为" in page
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]
    assert Report.objects.count() == 0


def test_ledger_download_keeps_its_chinese_name(login, bob, tasks, clock, now):
    from urllib.parse import unquote

    client = login(bob)
    with clock(now):
        response = client.get("/tracking/tasks/ledger.xlsx")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"进度台账_{now:%Y%m%d}.xlsx" in unquote(disposition)


# --- Only changed rows become reports; every bad row is named (issue 11) ------------------------


def test_unchanged_rows_of_an_exported_ledger_are_skipped_not_reported(
    login, alice, tasks, clock, now
):
    client = login(alice)
    book = export(client)
    assert book.active.max_row - 1 == len(tasks) == 4
    edited = tasks[("三、", "市商务局")]
    data = fill(book, {edited.pk: ("推进中", 30, "已举办15场")})
    with clock(now):
        page = upload(client, data).content.decode()
    # Before the fix every row of the sheet became a (mostly empty) submitted report.
    assert list(Report.objects.values_list("task_id", flat=True)) == [edited.pk]
    assert "已按2022年9月提交1项任务的进展（未改动跳过3行）" in page
    assert page.count('class="bulk-skipped"') == 3
    assert page.count('class="bulk-created"') == 1
    assert "三、活跃夜间经济" in page


def test_a_row_equal_to_this_periods_report_is_skipped(login, bob, tasks, clock, now):
    client = login(bob)
    a = tasks[("一、", "市商务局")]
    data = fill(export(client), {a.pk: ("推进中", 40, "第一批已发放")})
    with clock(now):
        upload(client, data)
        first = Report.objects.get()
        page = upload(client, data).content.decode()
    again = Report.objects.get()
    assert again.version == first.version
    assert "已按2022年9月提交0项任务的进展（未改动跳过2行）" in page


def test_every_bad_row_is_named_with_its_task_and_nothing_is_written(
    login, alice, bob, tasks, clock, now
):
    from policyledger.web.tracking.services.periods import parse_period
    from policyledger.web.tracking.services.reports import accept_report, submit_report

    a, b = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    with clock(now):
        report = submit_report(
            bob,
            a,
            parse_period("2022年9月", "monthly"),
            task_status="in_progress",
            percent=20,
            narrative="首批",
        )
        accept_report(alice, report.pk)
    client = login(bob)
    book = export(client)
    lines = {row[0].value: row[0].row for row in book.active.iter_rows(min_row=2)}
    data = fill(book, {a.pk: ("推进中", 60, "第二批"), b.pk: ("推进中", 500, "")})
    with clock(now):
        page = upload(client, data).content.decode()
    assert f"第{lines[a.pk]}行（一、发放消费券）：2022年9月的报送已被采纳，不能再修改" in page
    assert f"第{lines[b.pk]}行（三、活跃夜间经济）：完成进度须为0到100之间的数" in page
    assert "一行也没有写入" in page
    assert Report.objects.count() == 1 and Report.objects.get().percent == 20


def test_a_refusal_found_while_writing_undoes_the_rows_already_written(
    login, bob, tasks, clock, now, monkeypatch
):
    from policyledger.web.tracking.services import bulk

    a, b = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    real = bulk.submit_report

    def refuse_b(user, task, period, **kwargs):
        if task.pk == b.pk:
            raise bulk.ReportError("进展情况含有不允许的字符")
        return real(user, task, period, **kwargs)

    monkeypatch.setattr(bulk, "submit_report", refuse_b)
    client = login(bob)
    data = fill(export(client), {a.pk: ("推进中", 40, "x"), b.pk: ("推进中", 50, "y")})
    with clock(now):
        page = upload(client, data).content.decode()
    assert "（三、活跃夜间经济）：进展情况含有不允许的字符" in page
    assert Report.objects.count() == 0


def _with_raw_text(data: bytes, marker: str, raw: str) -> bytes:
    """The workbook with ``marker`` replaced by ``raw`` in its XML, as another program may write."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info).replace(marker.encode(), raw.encode()))
    return out.getvalue()


def test_bulk_import_names_the_row(login, bob, tasks):
    client = login(bob)
    a, b = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    data = fill(export(client), {a.pk: ("推进中", 40, "正常"), b.pk: ("推进中", 10, "MARK")})
    data = _with_raw_text(data, "MARK", "活动\x7f筹备")  # DEL is legal XML, so openpyxl reads it
    page = upload(client, data).content.decode()
    assert "第3行（三、活跃夜间经济）：进展情况含有不可见的控制字符（U+007F）" in page
    assert Report.objects.count() == 0


def _padded(data: bytes, members: dict[str, bytes]) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_zip_bomb_is_refused_before_it_is_opened(login, bob, tasks, settings, monkeypatch):
    import openpyxl

    client = login(bob)
    data = fill(export(client), {tasks[("一、", "市商务局")].pk: ("推进中", 40, "x")})
    settings.MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    bomb = _padded(data, {"xl/media/zeros.bin": b"\0" * (3 * 1024 * 1024)})
    assert len(bomb) < 64 * 1024  # small upload, large expansion

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened before its size was checked")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    page = upload(client, bomb).content.decode()
    assert "Excel文件解压后约3 MB，超过上限1 MB" in page
    settings.MAX_ZIP_MEMBERS = 20
    many = _padded(data, {f"xl/media/{i}.bin": b"" for i in range(30)})
    assert "超过上限20个" in upload(client, many).content.decode()
    assert Report.objects.count() == 0


def test_an_ordinary_ledger_passes_the_archive_check(login, bob, tasks, clock, now):
    client = login(bob)
    data = fill(export(client), {tasks[("一、", "市商务局")].pk: ("推进中", 40, "x")})
    with clock(now):
        upload(client, data)
    assert Report.objects.count() == 1  # the edited row only (issue 11)
