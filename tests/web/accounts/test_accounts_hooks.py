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
