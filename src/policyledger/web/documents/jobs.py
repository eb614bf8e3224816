"""Background tasks of the documents app (django-tasks; the database backend by default)."""

from __future__ import annotations

from django_tasks import task


@task()
def parse_document_task(document_id: int) -> str:
    from policyledger.web.documents.services.importing import run_parse

    return run_parse(document_id)
