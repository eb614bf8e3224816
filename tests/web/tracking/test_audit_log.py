"""The system-wide audit log (/tracking/audit/): every action the code records reads in Chinese,
objects by name, money through the one formatter; administrators only; filters; a page costs a
fixed number of queries; the xlsx export goes through the one cell writer."""

from __future__ import annotations

import ast
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from policyledger.web.core import audit
from policyledger.web.core.models import AuditLog
from policyledger.web.tracking.services.periods import parse_period
from policyledger.web.tracking.services.reports import accept_report, submit_report

WEB = Path(__file__).resolve().parents[3] / "src" / "policyledger" / "web"
SEPTEMBER = parse_period("2022年9月", "monthly")
# Raw forms the log must never show: a dict or list repr, a bare field name, an id arrow.
RAW = re.compile(r"\{'|\['|': |lead_unit|\bvalues\b|\(\d+\)")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _calls(tree: ast.AST):
    """(call, enclosing function) for every call that writes an audit row."""

    def walk(node, func):
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else func
            if isinstance(child, ast.Call):
                name = ast.unparse(child.func)
                if name in ("audit.record", "AuditLog.objects.create"):
                    yield child, func
            yield from walk(child, inner)

    yield from walk(tree, None)


def _action_expr(call: ast.Call) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == "action":
            return kw.value
    if ast.unparse(call.func) == "audit.record" and len(call.args) >= 2:
        return call.args[1]
    return None


def _strings(expr: ast.expr, func, tree) -> set[str]:
    """The action names an expression can take: a literal, both sides of ``a if c else b``, a
    local variable's assigned literals, a parameter's values at the function's call sites, or an
    f-string's prefix (``lineage.*``, marked with a trailing ``*``)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _strings(expr.body, func, tree) | _strings(expr.orelse, func, tree)
    if isinstance(expr, ast.JoinedStr):
        head = expr.values[0]
        assert isinstance(head, ast.Constant), ast.unparse(expr)
        return {head.value + "*"}
    if isinstance(expr, ast.Name) and func is not None:
        found: set[str] = set()
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == expr.id for t in node.targets
            ):
                found |= _strings(node.value, func, tree)
        if expr.id in [a.arg for a in func.args.args + func.args.kwonlyargs]:
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and ast.unparse(node.func) == func.name:
                    for kw in node.keywords:
                        if kw.arg == expr.id:
                            found |= _strings(kw.value, None, tree)
        return found
    raise AssertionError(f"cannot tell which action {ast.unparse(expr)} records")


def recorded_actions() -> set[str]:
    """Every action name any code under src/policyledger/web records (read from the source)."""
    actions: set[str] = set()
    for path in WEB.rglob("*.py"):
        if "migrations" in path.parts or path == WEB / "core" / "audit.py":
            continue  # core.audit.record itself is the writer the others call
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call, func in _calls(tree):
            expr = _action_expr(call)
            assert expr is not None, f"{path}:{call.lineno}: an audit row without an action"
            names = _strings(expr, func, tree)
            assert names, f"{path}:{call.lineno}: no action found in {ast.unparse(expr)}"
            actions |= names
    return actions


def test_every_recorded_action_has_a_chinese_label():
    actions = recorded_actions()
    # The scan must see the code: about forty actions are recorded today.
    assert len(actions) >= 40, sorted(actions)
    assert {"task.lead_unit", "report.submit", "unit.merge", "document.withdraw"} <= actions
    assert {"unit.rename", "unit.update", "unit.activate", "unit.deactivate"} <= actions
    missing = []
    for action in sorted(actions):
        if action.endswith("*"):
            prefixed = [a for a in audit.ACTIONS if a.startswith(action[:-1])]
            if not prefixed:
                missing.append(action)
            continue
        label = audit.ACTIONS.get(action)
        if not label or not re.search(r"[\u4e00-\u9fff]", label):
            missing.append(action)
    assert not missing, f"actions without a Chinese label in the audit log: {missing}"


def test_lineage_statuses_each_have_a_label():
    from policyledger.web.lineage.models import MeasureLink

    for value, _ in MeasureLink.Status.choices:
        assert f"lineage.{value}" in audit.ACTIONS


def test_an_unlabelled_action_is_caught_by_the_scan(tmp_path):
    """Control: the scan reads action names the way the code writes them."""
    source = (
        "def f(user, thing):\n"
        "    audit.record(user, 'thing.brand_new', thing)\n"
        "    audit.record(user, 'a.b' if thing else 'a.c', thing)\n"
    )
    tree = ast.parse(source)
    found = set()
    for call, func in _calls(tree):
        found |= _strings(_action_expr(call), func, tree)
    assert found == {"thing.brand_new", "a.b", "a.c"}
    assert "thing.brand_new" not in audit.ACTIONS


@pytest.fixture
def history(alice, bob, units, tasks, clock, now):
    """A run of real changes: a report with money, its acceptance, a lead change, a unit
    renamed and one merged, a user deactivated."""
    from policyledger.web.accounts import services as account_services
    from policyledger.web.tracking.services.publishing import change_lead_unit

    task = tasks[("一、", "市商务局")]
    money = task.measure.targets.get(kind="money")
    with clock(now):
        report = submit_report(
            bob, task, SEPTEMBER, task_status="in_progress", percent=60, narrative="",
            values={money.pk: 6_000_000},
        )  # fmt: skip
        accept_report(alice, report.pk)
    change_lead_unit(alice, task.pk, units["市市场监管局"].pk)
    account_services.merge_units(alice, units["各县区人民政府"].pk, units["市财政局"].pk)
    account_services.toggle_active(alice, bob.pk)
    return task


def _log(client, **query) -> str:
    response = client.get("/tracking/audit/", query)
    assert response.status_code == 200
    return response.content.decode()


def _table(page: str) -> str:
    return page.split('class="grid audit-log"')[1].split("</table>")[0]


def test_every_row_reads_in_chinese_with_names_and_money(login, alice, history):
    table = _table(_log(login(alice)))
    assert AuditLog.objects.count() > 10
    rows = re.findall(r"<tr>(<td>.*?)</tr>", table, re.S)
    assert len(rows) == min(AuditLog.objects.count(), 50)
    for row in rows:
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert re.match(r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d$", cells[0]), cells[0]
        assert not cells[2].startswith("其他操作"), row
        assert not RAW.search(re.sub(r"<[^>]+>", "", row)), row
        for label in re.findall(r"<b>(.*?)</b>", row):
            assert CHINESE.search(label), f"field label not in Chinese: {label}"
    assert "提交报送" in table and "采纳报送" in table and "更换牵头单位" in table
    assert "<b>牵头单位</b>：市商务局 → 市市场监管局" in table
    assert "<b>指标完成值</b>：— → 1000万元：600万元" in table
    assert "合并单位" in table and "各县区人民政府" in table
    assert "王管理" in table  # who, by name
    assert "任务：一、" in table  # the object by its measure, not its id


def test_only_administrators_may_read_or_export(login, alice, bob, dave, carol):
    for person in (bob, dave, carol):
        client = login(person)
        assert client.get("/tracking/audit/").status_code == 403
        assert client.get("/tracking/audit/log.xlsx").status_code == 403
    assert login(alice).get("/tracking/audit/").status_code == 200


def test_filters_by_user_action_kind_object_type_and_dates(login, alice, bob, history):
    client = login(alice)
    by_bob = _table(_log(client, user=bob.pk))
    assert "提交报送" in by_bob and "更换牵头单位" not in by_bob
    units_only = _table(_log(client, action="unit"))
    assert "合并单位" in units_only and "提交报送" not in units_only
    one = _table(_log(client, action="task.lead_unit"))
    assert "更换牵头单位" in one and "合并单位" not in one
    reports = _table(_log(client, type="report"))
    assert "提交报送" in reports and "合并单位" not in reports
    today = timezone.localdate()
    assert "合并单位" in _table(_log(client, since=today.isoformat(), until=today.isoformat()))
    later = (today + dt.timedelta(days=1)).isoformat()
    assert "没有符合条件的记录" in _table(_log(client, since=later))
    page = _log(client, since="2026-13-40")
    assert "不是有效日期" in page  # a bad date is said in Chinese, not a 500


def _fill(rows: int, alice, units, tasks) -> None:
    """Many rows of every kind whose objects need names."""
    task = next(iter(tasks.values()))
    unit = units["市商务局"]
    now = timezone.now() + dt.timedelta(days=1)  # newer than the fixtures' rows
    batch = []
    for i in range(rows):
        kind = i % 3
        batch.append(
            AuditLog(
                actor=alice,
                action=("task.lead_unit", "unit.update", "measure.edit")[kind],
                object_type=("task", "unit", "measure")[kind],
                object_id=str((task.pk, unit.pk, task.measure_id)[kind]),
                before={"lead_unit": unit.pk, "name": "旧名"},
                after={"lead_unit": units["市财政局"].pk, "name": f"新名{i}"},
                at=now - dt.timedelta(seconds=i),
            )
        )
    AuditLog.objects.bulk_create(batch)


def test_a_page_costs_the_same_queries_whatever_the_rows(login, alice, units, tasks):
    client = login(alice)
    _fill(60, alice, units, tasks)  # a full page of the same kinds of rows
    client.get("/tracking/audit/")
    with CaptureQueriesContext(connection) as few:
        client.get("/tracking/audit/")
    _fill(400, alice, units, tasks)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/tracking/audit/?page=3").content.decode()
    assert "第 3 / " in page
    assert len(many) == len(few), [q["sql"][:80] for q in many.captured_queries]
    assert len(many) <= 20


def test_export_writes_the_same_lines_as_text(login, alice, history):
    from openpyxl import load_workbook

    response = login(alice).get("/tracking/audit/log.xlsx", {"action": "report"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("时间", "操作人", "操作", "对象类型", "对象", "变更内容")
    actions = {r[2] for r in rows[1:]}
    assert actions == {"提交报送", "采纳报送"}
    changes = "\n".join(r[5] or "" for r in rows[1:])
    assert "指标完成值：— → 1000万元：600万元" in changes
    assert all(isinstance(c, str) for r in rows[1:] for c in r if c is not None)


@pytest.mark.parametrize(
    "query",
    [
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"since": "9999-12-31", "until": "0001-01-01"},
    ],
)
def test_dates_at_the_calendars_ends_are_refused_in_chinese(login, alice, query):
    """The last and first days Python knows overflowed when turned into the filter's bounds
    (a 500, page and export alike)."""
    client = login(alice)
    page = _log(client, **query)
    assert "超出范围" in page
    assert client.get("/tracking/audit/log.xlsx", query).status_code == 200
    # Control: a date inside the range is still a filter.
    assert "超出范围" not in _log(client, until="2999-12-31")
