"""The hook on the documents app: after a document is saved with parsed measures, refresh its
library entry (place, citations, search text, candidate index)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save

from policyledger.web.documents.models import PolicyDocument

logger = logging.getLogger("policyledger.lineage")
UID = "policyledger.lineage.refresh"


def _on_save(sender, instance: PolicyDocument, raw: bool = False, **kwargs) -> None:
    if raw or instance.parsed is None:
        return

    def refresh() -> None:
        from policyledger.web.lineage.services import library

        try:
            library.refresh(instance)
        except Exception:  # the library must never break an import
            logger.exception("lineage refresh failed for document %s", instance.pk)

    transaction.on_commit(refresh)


def connect() -> None:
    post_save.connect(_on_save, sender=PolicyDocument, dispatch_uid=UID)
