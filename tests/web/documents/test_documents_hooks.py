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
