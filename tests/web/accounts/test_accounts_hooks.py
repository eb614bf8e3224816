"""The unit page's tasks come from tracking through the accounts hook; core's notifications learn
who the administrators are from accounts."""

from policyledger.web.accounts import hooks, recipients
from policyledger.web.core import notify
from policyledger.web.tracking.services import units


def test_tracking_provides_the_unit_page(monkeypatch):
    assert hooks._unit_detail == [units.unit_detail]
    monkeypatch.setattr(hooks, "_unit_detail", [])
    assert hooks.unit_detail(None, None) == {"tasks": [], "flips": [], "warning_counts": []}


def test_accounts_tells_core_who_the_administrators_are():
    assert notify._admin_users is recipients.admin_users


def test_tracking_and_documents_give_the_access_rules(monkeypatch):
    """accounts.permissions decides roles; which rows a role reaches comes from the apps that own
    them, registered in accounts' hooks (accounts reads no higher app's model)."""
    import inspect

    import pytest

    from policyledger.web.accounts import permissions
    from policyledger.web.documents.services import access as document_access
    from policyledger.web.tracking.services import access as tracking_access

    assert hooks.rows_rule("tasks") is tracking_access.visible_tasks
    assert hooks.rows_rule("reports") is tracking_access.visible_reports
    assert hooks.rows_rule("documents") is document_access.visible_documents
    assert hooks.task_reader() is tracking_access.may_read_task
    assert "get_model" not in inspect.getsource(permissions)

    monkeypatch.setattr(hooks, "_rows_rules", {})
    monkeypatch.setattr(hooks, "_task_reader", [])
    with pytest.raises(LookupError):
        permissions.visible_tasks(None)
    with pytest.raises(LookupError):
        permissions.may_read_task(None, None)
