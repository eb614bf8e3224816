"""Issue 11: a unit registry that can be kept: search, edit, rename, merge, deactivate, contacts;
an alias equal to another unit's name is refused."""

from __future__ import annotations

import pytest

from policyledger.web.accounts.models import Profile, Unit
from policyledger.web.accounts.registry import edit_unit, merge_units, search_units
from policyledger.web.accounts.services import UnitError, create_unit, find_unit
from policyledger.web.core.models import AuditLog
from policyledger.web.tracking.models import Task


def _edit(user, unit, **changes):
    data = dict(
        name=unit.name, aliases=list(unit.aliases or []), level=unit.level, active=unit.active,
        contact_name=unit.contact_name, contact_phone=unit.contact_phone,
    )  # fmt: skip
    data.update(changes)
    return edit_unit(user, unit.pk, **data)


def test_search_by_name_alias_or_contact(units):
    Unit.objects.filter(pk=units["市财政局"].pk).update(contact_name="张会计")
    assert [u.name for u in search_units("发改委")] == ["市发展改革委"]
    assert [u.name for u in search_units("张会计")] == ["市财政局"]
    Unit.objects.filter(pk=units["市财政局"].pk).update(active=False)
    assert "市财政局" not in [u.name for u in search_units("", active=True)]


def test_rename_keeps_the_old_name_as_an_alias_and_is_audited(alice, units):
    unit = _edit(alice, units["市商务局"], name="市商务和口岸局", contact_name="李四",
                 contact_phone="0518-1234")  # fmt: skip
    assert unit.name == "市商务和口岸局" and "市商务局" in unit.aliases
    assert find_unit("市商务局") == unit  # the next import still matches the old spelling
    entry = AuditLog.objects.get(action="unit.edit")
    assert (entry.before["name"], entry.after["name"]) == ("市商务局", "市商务和口岸局")
    assert entry.after["contact_name"] == "李四"


def test_an_alias_equal_to_another_units_name_is_refused(alice, units):
    with pytest.raises(UnitError, match="别名“市财政局”是另一个单位的名称"):
        _edit(alice, units["市商务局"], aliases=["市财政局"])
    with pytest.raises(UnitError, match="已是单位“市发展改革委”的别名"):
        _edit(alice, units["市商务局"], aliases=["市发改委"])
    with pytest.raises(UnitError, match="是另一个单位的名称"):
        create_unit("市文旅局", aliases=["市商务局"])
    assert Unit.objects.get(pk=units["市商务局"].pk).aliases == []


def test_merge_moves_tasks_people_and_names_with_the_audit_trail(login, alice, bob, units, tasks):
    duplicate = create_unit("市商务厅", aliases=["商务厅"])
    lead = tasks[("三、", "市商务局")]
    Task.objects.filter(pk=lead.pk).update(lead_unit=duplicate)
    Profile.objects.filter(user=bob).update(unit=duplicate)
    tasks[("二、", "市发展改革委")].support_units.add(duplicate)
    client = login(alice)
    page = client.post(
        f"/accounts/units/{duplicate.pk}/merge/", {"target": units["市商务局"].pk}, follow=True
    ).content.decode()
    assert "已合并：牵头任务1项，配合任务1项，用户1项" in page
    target = Unit.objects.get(pk=units["市商务局"].pk)
    assert {"市商务厅", "商务厅"} <= set(target.aliases)
    assert Task.objects.get(pk=lead.pk).lead_unit == target
    assert target in tasks[("二、", "市发展改革委")].support_units.all()
    assert Profile.objects.get(user=bob).unit == target
    duplicate.refresh_from_db()
    assert not duplicate.active and duplicate.aliases == []
    assert AuditLog.objects.get(action="unit.merge").before == {
        "merged": "市商务厅",
        "merged_id": duplicate.pk,
    }
    history = AuditLog.objects.get(action="task.lead_unit", task_id_ref=lead.pk)
    assert history.after["lead_unit_name"] == "市商务局"


def test_merge_refuses_a_measure_both_units_lead(alice, units, tasks):
    with pytest.raises(UnitError, match="同时牵头一、发放消费券"):
        merge_units(alice, units["市财政局"].pk, units["市商务局"].pk)
    assert Unit.objects.get(pk=units["市财政局"].pk).active


def test_only_administrators_keep_the_registry(login, bob, dave, units):
    for user in (bob, dave):
        client = login(user)
        assert (
            client.post(f"/accounts/units/{units['市商务局'].pk}/edit/", {"name": "x"}).status_code
            == 403
        )
        assert (
            client.post(
                f"/accounts/units/{units['市财政局'].pk}/merge/", {"target": units["市商务局"].pk}
            ).status_code
            == 403
        )
    assert Unit.objects.filter(name="x").count() == 0
