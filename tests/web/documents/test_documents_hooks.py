"""The documents app reaches tracking only through its hooks (registered in TrackingConfig.ready)."""

import pytest

from policyledger.web.documents import hooks
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.documents.services.publish import publish
from policyledger.web.tracking.models import Task
from policyledger.web.tracking.services import publishing, rollup


def test_tracking_registers_its_hooks():
    assert publishing.create_tasks in hooks._publishers
    assert hooks._progress == {
        "measure": rollup.progress_by_measure,
        "document": rollup.progress_by_document,
    }


def test_without_a_receiver_publishing_creates_no_tasks(monkeypatch, alice, reviewed):
    monkeypatch.setattr(hooks, "_publishers", [])
    monkeypatch.setattr(hooks, "_progress", {})
    assert publish(alice, reviewed.pk, reviewed.version) == []
    assert not Task.objects.exists()
    assert hooks.progress_by_document([reviewed.pk]) == {}


def test_a_failing_receiver_undoes_the_publication(monkeypatch, alice, reviewed):
    def broken(user, document, measures):
        publishing.create_tasks(user, document, measures)
        raise RuntimeError("receiver failed")

    monkeypatch.setattr(hooks, "_publishers", [broken])
    with pytest.raises(RuntimeError):
        publish(alice, reviewed.pk, reviewed.version)
    reviewed.refresh_from_db()
    assert reviewed.status == PolicyDocument.Status.REVIEW
    assert not Task.objects.exists()


def test_one_tracking_hook_module_for_the_higher_apps():
    """Money, spending and programme results all join tracking through tracking.hooks."""
    import importlib.util

    from policyledger.web.tracking import hooks as tracking_hooks
    from policyledger.web.vouchers.programmes import campaign_results
    from policyledger.web.vouchers.services.spending import verified_spending_by_region

    assert importlib.util.find_spec("policyledger.web.tracking.programmes") is None
    assert campaign_results in tracking_hooks._programme_sources
    assert verified_spending_by_region in tracking_hooks._spending_sources
    assert tracking_hooks.add_programme_source(campaign_results) is campaign_results
    assert tracking_hooks._programme_sources.count(campaign_results) == 1
