"""A queryset whose SQL is built once per database connection, then run with new values.

For the busiest requests (a report submitted through the API): building a query's SQL (joins,
select_related columns, the WHERE tree) cost Django more CPU than PostgreSQL spent running it.
``Compiled`` builds the queryset once with sample values, remembers where each value sits among
the statement's parameters, and afterwards only executes the statement and turns its rows into
model instances the way Django's own ``ModelIterable`` does (select_related objects included), so
callers get exactly what the queryset would have given them.

    token = Compiled(
        lambda key_hash: ApiToken.objects.select_related("user").filter(key_hash=key_hash)[:1],
        "sample-key-hash",
    )
    found = token.fetch(hash_key(key))

Each argument must reach the SQL as one parameter (an equality filter); the samples must be of
the arguments' types and distinct from every other parameter of the query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


def _adapt(connection, value: Any) -> Any:
    """A value as the compiler hands it to the driver (dates are text on SQLite)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


class _Prepared:
    def __init__(self, connection, queryset: QuerySet, samples: tuple) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        self.slots = []
        for sample in samples:
            adapted = _adapt(connection, sample)
            positions = [i for i, p in enumerate(params) if p == adapted]
            if len(positions) != 1:
                raise ValueError(f"sample {sample!r} is not exactly one parameter of {sql}")
            self.slots.append(positions[0])
        self.sql, self.params, self.compiler = sql, params, compiler
        self.db = queryset.db
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, queryset.db)
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])


class Compiled:
    """``build(*args)`` -> a queryset of model instances; ``fetch(*args)`` runs it (a list)."""

    def __init__(self, build: Callable[..., QuerySet], *samples: Any) -> None:
        self.build, self.samples = build, samples

    def _prepared(self, connection) -> _Prepared:
        # On the connection: each thread has its own, and a new one (after a reconnect, in
        # another test database) starts afresh.
        cache = connection.__dict__.setdefault("_policyledger_compiled", {})
        prepared = cache.get(self)
        if prepared is None:
            prepared = cache[self] = _Prepared(connection, self.build(*self.samples), self.samples)
        return prepared

    def fetch(self, *args: Any) -> list[Model]:
        connection = connections[DEFAULT_DB_ALIAS]
        p = self._prepared(connection)
        params = list(p.params)
        for slot, value in zip(p.slots, args, strict=True):
            params[slot] = _adapt(connection, value)
        with connection.cursor() as cursor:
            cursor.execute(p.sql, params)
            rows = cursor.fetchall()
        if p.converters and rows:
            rows = list(p.compiler.apply_converters(rows, p.converters))
        out = []
        for row in rows:
            obj = p.model.from_db(p.db, p.init_list, row[p.start : p.end])
            for populator in p.populators:
                populator.populate(row, obj)
            out.append(obj)
        return out
