"""JSON views of a ``Document`` and the JSON Schema (schema_version 1) they follow."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, TextIO

from policyledger.parsing.model import Document


def schema_text() -> str:
    """The JSON Schema shipped in the package, as text (what ``policyledger schema`` prints)."""
    return (
        resources.files("policyledger.parsing")
        .joinpath("data/document.schema.json")
        .read_text(encoding="utf-8")
    )


@cache
def load_schema() -> dict[str, Any]:
    return json.loads(schema_text())


def schema_errors(data: Any) -> list[str]:
    """Why ``data`` does not follow the schema (empty when it does), one line per problem."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema())
    return [
        f"{'/'.join(str(step) for step in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    ]


def dumps(document: Document, *, indent: int | None = None) -> str:
    # Chinese stays readable (ensure_ascii=False); the file is UTF-8.
    return json.dumps(document.to_dict(), ensure_ascii=False, indent=indent)


def write(docs: list[Document], fp: TextIO, *, lines: bool) -> None:
    """One indented object (``lines=False``, exactly one document) or JSON Lines."""
    if not lines:
        if len(docs) != 1:
            raise ValueError("a single JSON object needs exactly one document")
        fp.write(dumps(docs[0], indent=2) + "\n")
        return
    for document in docs:
        fp.write(dumps(document) + "\n")
