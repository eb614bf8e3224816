"""The unit registry kept by the lead office: search, edit, rename (old name kept as an alias),
alias collisions refused, deactivate, merge duplicates with every reference moved, and rights."""

from __future__ import annotations

import datetime as dt

import pytest

from policyledger.web.accounts import hooks, services
from policyledger.web.accounts.models import Profile, Unit
from policyledger.web.core.models import AuditLog
from policyledger.web.documents.models import MeasureUnit
from policyledger.web.tracking.models import Reminder, ReminderUnit, Task, WarningFlip


@pytest.fixture
def culture(units):
    """A duplicate pair as imports leave them: 省文化厅 and 省文化和旅游厅."""
    old = Unit.objects.create(name="省文化厅", level=Unit.Level.PROVINCE, aliases=["文化厅"])
    new = Unit.objects.create(name="省文化和旅游厅", level=Unit.Level.PROVINCE)
    return old, new


def test_search_finds_name_alias_and_contact(login, alice, units):
    Unit.objects.filter(pk=units["市财政局"].pk).update(contact_person="周会计")
    client = login(alice)
    # The table only (the add form below lists every unit as a possible parent).
    page = client.get("/accounts/units/", {"q": "发改委"}).content.decode().split("添加单位")[0]
    assert "市发展改革委" in page and "市商务局" not in page
    assert "市财政局" in client.get("/accounts/units/", {"q": "周会计"}).content.decode()
    assert (
        "没有找到与“无此单位”相符的单位"
        in client.get("/accounts/units/", {"q": "无此单位"}).content.decode()
    )


def test_rename_keeps_the_old_name_as_an_alias_and_is_audited(login, alice, units):
    unit = units["市商务局"]
    response = login(alice).post(
        f"/accounts/units/{unit.pk}/edit/",
        {
            "name": "市商务和口岸局",
            "level": "city",
            "aliases": "",
            "contact_person": "钱科长",
            "contact_phone": "0518-85822000",
        },
        follow=True,
    )
    assert "单位“市商务和口岸局”已保存" in response.content.decode()
    unit.refresh_from_db()
    assert unit.name == "市商务和口岸局"
    assert unit.aliases == ["市商务局"]
    assert (unit.contact_person, unit.contact_phone) == ("钱科长", "0518-85822000")
    # Documents printed with the old name still match the renamed unit.
    assert services.find_unit("市商务局") == unit
    entry = AuditLog.objects.get(action="unit.rename")
    assert entry.before["name"] == "市商务局" and entry.after["name"] == "市商务和口岸局"


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("市财政局", "别名“市财政局”与单位“市财政局”的名称相同，不能使用"),
        ("市发改委", "别名“市发改委”已是单位“市发展改革委”的别名，不能重复使用"),
    ],
)
def test_alias_equal_to_another_units_name_or_alias_is_refused(login, alice, units, alias, message):
    unit = units["市商务局"]
    response = login(alice).post(
        f"/accounts/units/{unit.pk}/edit/",
        {"name": unit.name, "level": "city", "aliases": f"商务局、{alias}"},
        follow=True,
    )
    assert message in response.content.decode()
    unit.refresh_from_db()
    assert unit.aliases == []
    assert not AuditLog.objects.filter(action__startswith="unit.").exists()


def test_alias_collision_guard_matters(units, monkeypatch):
    """Control: without the check, the printed name 市财政局 would lead to two units."""
    monkeypatch.setattr(services, "_checked_labels", lambda name, aliases, exclude_pk: aliases)
    services.create_unit("市财政厅", aliases=["市财政局"])
    owners = [u for u in Unit.objects.all() if "市财政局" in [u.name, *u.aliases]]
    assert len(owners) == 2


def test_new_unit_named_like_an_alias_is_refused(units):
    with pytest.raises(services.UnitError, match="已是单位“市发展改革委”的别名"):
        services.create_unit("市发改委")


def test_bad_phone_is_refused_in_chinese(alice, units):
    with pytest.raises(services.UnitError, match="联系电话只能包含数字"):
        services.update_unit(alice, units["市商务局"].pk, name="市商务局", contact_phone="call me")


def test_parent_cannot_be_the_unit_itself_or_below_it(alice, units):
    child = units["各县区人民政府"]
    services.update_unit(alice, child.pk, name=child.name, parent_id=units["市商务局"].pk)
    with pytest.raises(services.UnitError, match="上级单位不能是本单位或其下级单位"):
        services.update_unit(alice, units["市商务局"].pk, name="市商务局", parent_id=child.pk)


def test_deactivated_unit_is_not_offered_but_keeps_its_history(login, alice, bob, published):
    unit = Unit.objects.get(name="市商务局")
    client = login(alice)
    response = client.post(f"/accounts/units/{unit.pk}/active/", {"active": "0"}, follow=True)
    assert "单位“市商务局”已停用" in response.content.decode()
    assert services.find_unit("市商务局") is None
    assert all(s.unit != unit for s in services.suggest_units("市商务局"))
    assert "市商务局" not in client.get("/accounts/units/").content.decode().split("添加单位")[0]
    assert "市商务局" in client.get("/accounts/units/", {"inactive": "1"}).content.decode()
    # Its tasks stay, and its page still shows them.
    assert Task.objects.filter(lead_unit=unit).count() == 2
    assert "发放消费券" in client.get(f"/accounts/units/{unit.pk}/").content.decode()
    with pytest.raises(services.UnitError, match="已停用"):
        services.get_or_create_unit("市商务局")
    assert AuditLog.objects.filter(action="unit.deactivate", object_id=str(unit.pk)).exists()
    client.post(f"/accounts/units/{unit.pk}/active/", {"active": "1"})
    unit.refresh_from_db()
    assert unit.active


def test_merge_moves_every_reference_in_one_audited_step(login, alice, culture, published, units):
    old, new = culture
    reporter = services.create_user("wen", "pw-文化-12345", role="reporter", unit=old)
    child = Unit.objects.create(name="省文化厅直属单位", parent=old)
    m1 = published.measures.get(number="一、")
    m3 = published.measures.get(number="三、")
    # 省文化厅 leads one task and supports another; a measure names it too.
    led = Task.objects.create(measure=m3, lead_unit=old)
    supported = Task.objects.get(measure=m1, lead_unit=units["市商务局"])
    supported.support_units.add(old)
    link = MeasureUnit.objects.create(measure=m3, unit=old, raw_name="省文化厅", role="lead")
    WarningFlip.objects.create(
        kind="missing_report", unit=old, old="normal", new="missing", at=published.published_at
    )
    # A 催报 sent to it (tracking's reminder history; office branch).
    reminder = Reminder.objects.create(kind="reminder", sent_at=published.published_at)
    ReminderUnit.objects.create(
        reminder=reminder, unit=old, period_label="2022年8月", period_start=dt.date(2022, 8, 1)
    )

    response = login(alice).post(
        f"/accounts/units/{old.pk}/merge/", {"target": new.pk}, follow=True
    )
    assert "已将“省文化厅”合并到“省文化和旅游厅”" in response.content.decode()

    assert not Unit.objects.filter(pk=old.pk).exists()
    new.refresh_from_db()
    assert new.aliases == ["省文化厅", "文化厅"]
    assert services.find_unit("文化厅") == new
    led.refresh_from_db()
    assert led.lead_unit == new
    assert list(supported.support_units.all()) == [new]
    link.refresh_from_db()
    assert link.unit == new
    assert Profile.objects.get(user=reporter).unit == new
    child.refresh_from_db()
    assert child.parent == new
    assert WarningFlip.objects.filter(unit=new).count() == 1
    assert ReminderUnit.objects.filter(unit=new).count() == 1
    merge = AuditLog.objects.get(action="unit.merge", object_id=str(new.pk))
    assert merge.after["moved"] == {
        "users": 1,
        "children": 1,
        "measure_units": 1,
        "tasks_led": 1,
        "tasks_supported": 1,
        "warning_flips": 1,
        "reminder_lines": 1,
    }
    assert AuditLog.objects.filter(action="unit.merged_into", object_id=str(old.pk)).exists()


def test_merge_without_the_hooks_is_undone_whole(alice, culture, published, monkeypatch):
    """Control: without the higher apps' receivers the tasks would still point at the source;
    the delete is refused and nothing at all has moved (one transaction)."""
    old, new = culture
    Task.objects.create(measure=published.measures.first(), lead_unit=old)
    user = services.create_user("wen", "pw-文化-12345", role="reporter", unit=old)
    monkeypatch.setattr(hooks, "_units_merged", [])
    with pytest.raises(services.UnitError, match="仍被其他记录引用"):
        services.merge_units(alice, old.pk, new.pk)
    assert Unit.objects.filter(pk=old.pk).exists()
    assert Profile.objects.get(user=user).unit == old
    assert not AuditLog.objects.filter(action="unit.merge").exists()


def test_merge_refuses_a_measure_led_by_both(alice, culture, published):
    old, new = culture
    measure = published.measures.first()
    Task.objects.create(measure=measure, lead_unit=old)
    Task.objects.create(measure=measure, lead_unit=new)
    with pytest.raises(services.UnitError, match="同时由“省文化厅”和“省文化和旅游厅”牵头"):
        services.merge_units(alice, old.pk, new.pk)
    assert Unit.objects.filter(pk=old.pk).exists()


def test_merge_into_itself_or_an_inactive_unit_is_refused(alice, culture):
    old, new = culture
    with pytest.raises(services.UnitError, match="不能把单位合并到它自己"):
        services.merge_units(alice, old.pk, old.pk)
    Unit.objects.filter(pk=new.pk).update(active=False)
    with pytest.raises(services.UnitError, match="已停用，请先启用"):
        services.merge_units(alice, old.pk, new.pk)


@pytest.mark.parametrize("who", ["bob", "dave"])
def test_only_administrators_change_the_registry(login, people, units, who, culture):
    old, new = culture
    client = login(people[who])
    unit = units["市商务局"]
    for url, data in [
        (f"/accounts/units/{unit.pk}/edit/", {"name": "改名"}),
        (f"/accounts/units/{unit.pk}/active/", {"active": "0"}),
        (f"/accounts/units/{old.pk}/merge/", {"target": new.pk}),
    ]:
        assert client.post(url, data).status_code == 403
    unit.refresh_from_db()
    assert unit.name == "市商务局" and unit.active
    assert Unit.objects.filter(pk=old.pk).exists()


def test_leader_reads_the_registry_without_edit_forms(login, dave, units):
    client = login(dave)
    assert "市商务局" in client.get("/accounts/units/").content.decode()
    page = client.get(f"/accounts/units/{units['市商务局'].pk}/").content.decode()
    assert "合并重复单位" not in page and "停用本单位" not in page


def test_the_leader_a_escalation_goes_to_is_kept_on_the_unit(login, alice, units):
    unit = units["市财政局"]
    client = login(alice)
    form = {"name": unit.name, "contact_person": "周会计", "contact_phone": "0518-85822000"}
    response = client.post(
        f"/accounts/units/{unit.pk}/edit/",
        {**form, "leader_name": "周局长", "leader_email": "not-an-address"},
        follow=True,
    )
    assert "分管领导邮箱“not-an-address”格式不正确" in response.content.decode()
    unit.refresh_from_db()
    assert (unit.leader_name, unit.leader_email) == ("", "")
    client.post(
        f"/accounts/units/{unit.pk}/edit/",
        {**form, "leader_name": "周局长", "leader_email": "leader@czj.example.org"},
    )
    unit.refresh_from_db()
    assert (unit.leader_name, unit.leader_email) == ("周局长", "leader@czj.example.org")
    assert (
        "分管领导：周局长 leader@czj.example.org"
        in client.get(f"/accounts/units/{unit.pk}/").content.decode()
    )
    # An edit that does not mention the leader (the API, older forms) leaves it alone.
    services.update_unit(alice, unit.pk, name=unit.name, contact_person="李会计")
    unit.refresh_from_db()
    assert unit.leader_email == "leader@czj.example.org"
