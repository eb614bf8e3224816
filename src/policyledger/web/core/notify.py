"""In-app notifications and email to the people of a unit or to the administrators."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mass_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from policyledger.web.core.models import Notification

logger = logging.getLogger("policyledger.web.tracking.notify")

_admin_users: Callable[[], QuerySet] | None = None


def set_admin_users(provider: Callable[[], QuerySet]) -> None:
    """Hook: the accounts app says who the administrators are (core knows no roles)."""
    global _admin_users
    _admin_users = provider
    _notify_admins_sql.cache_clear()
    _digest_admins_sql.cache_clear()


def admin_users() -> QuerySet:
    """The active administrators, as the accounts app defines them (see ``set_admin_users``)."""
    if _admin_users is None:
        raise ImproperlyConfigured("policyledger.web.accounts is not installed")
    return _admin_users()


def notify(users: Iterable, text: str, link: str = "") -> int:
    rows = [Notification(user=u, text=text[:500], link=link) for u in users]
    Notification.objects.bulk_create(rows)
    return len(rows)


DIGEST_LINES = 20
DIGEST_INDEX = "notification_one_unread_digest"


def digest(
    users: Iterable, kind: str, title: str, line: str, link: str = "", *, _retried: bool = False
) -> int:
    """Fold one event into each user's unread digest of today for ``kind`` (one row per user,
    kind and day, instead of one per event). Returns the number of rows created.

    The row's text is the event itself while it is the only one, then "title（今日N条）：latest";
    ``lines`` keeps the latest ``DIGEST_LINES`` events for the notifications page.
    """
    today = timezone.localdate()
    users = list(users)
    existing = {
        n.user_id: n
        for n in Notification.objects.filter(
            user__in=[u.pk for u in users], digest=kind, digest_day=today, read=False
        )
    }
    new = []
    for user in users:
        row = existing.get(user.pk)
        if row is None:
            new.append(
                Notification(
                    user=user,
                    text=line[:500],
                    link=link,
                    digest=kind,
                    digest_day=today,
                    count=1,
                    lines=[line],
                )  # fmt: skip
            )
            continue
        count = row.count + 1
        Notification.objects.filter(pk=row.pk).update(
            count=count,
            lines=[line, *(row.lines or [row.text])][:DIGEST_LINES],
            text=f"{title}（今日{count}条）：{line}"[:500],
            link=link if count == 1 else (row.link if row.link == link else ""),
            created_at=timezone.now(),
        )
    if not new:
        return 0
    try:
        # A savepoint: a concurrent event may have started one of these digests since the
        # look-up above (the one-unread-digest index refuses a second row); then it is added to.
        with transaction.atomic():
            Notification.objects.bulk_create(new)
    except IntegrityError:
        if _retried:
            raise
        return digest([n.user for n in new], kind, title, line, link, _retried=True)
    return len(new)


def notify_admins(text: str, link: str = "") -> None:
    """Notify every active administrator in one INSERT ... SELECT statement.

    The busiest write (a report submitted) notifies the administrators: reading them first and
    then inserting costs a second statement per request, and caching them would miss a new or
    deactivated administrator; here the database picks them as it inserts.
    """
    sql, params = _notify_admins_sql(connection.vendor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [text[:500], link, False, now, *params])


@functools.cache
def _notify_admins_sql(vendor: str) -> tuple[str, tuple]:
    # The statement never changes: built once per process (and database kind), not per request.
    ops = connection.ops
    admins, params = admin_users().values("pk").query.sql_with_params()
    columns = ", ".join(
        ops.quote_name(c) for c in ("user_id", "text", "link", "read", "created_at")
    )
    table = ops.quote_name(Notification._meta.db_table)
    return (
        f"INSERT INTO {table} ({columns}) SELECT admins.pk, %s, %s, %s, %s FROM ({admins}) admins",
        tuple(params),
    )


def digest_admins(kind: str, title: str, line: str, link: str = "") -> None:
    """``digest`` for every active administrator, in one statement whatever their number.

    The busiest write (a report submitted) tells the administrators: one row per administrator
    and day, counting the submissions, instead of one row per submission. One
    INSERT ... SELECT ... ON CONFLICT DO UPDATE picks the administrators (the database reads them
    as it writes, so a new or deactivated one counts at once), starts today's digest or adds to
    it; the partial unique index on unread digests makes two concurrent first submissions of the
    day add to one row, never make two. The row reads as ``digest`` leaves it.
    """
    sql, params = _digest_admins_sql(connection.vendor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [line[:500], link, now, kind, today, line, *params] + [title, line, line, DIGEST_LINES],
        )


@functools.cache
def _digest_admins_sql(vendor: str) -> tuple[str, tuple]:
    # Built once per process (and database kind), not per request.
    ops = connection.ops
    admins, params = admin_users().values("pk").query.sql_with_params()
    table = ops.quote_name(Notification._meta.db_table)
    if vendor == "postgresql":
        new_lines = "jsonb_build_array(%s::text)"
        text = "left(%s || '（今日' || (n.\"count\" + 1) || '条）：' || %s, 500)"
        lines = (
            "(SELECT jsonb_agg(x.e ORDER BY x.i) FROM jsonb_array_elements("
            ' jsonb_build_array(%s::text) || coalesce(n."lines", jsonb_build_array(n."text"))'
            ") WITH ORDINALITY AS x(e, i) WHERE x.i <= %s)"
        )
    else:  # SQLite: JSON as text
        new_lines = "json_array(%s)"
        text = "substr(%s || '（今日' || (n.\"count\" + 1) || '条）：' || %s, 1, 500)"
        lines = (
            "(SELECT json_group_array(v) FROM (SELECT v FROM ("
            " SELECT -1 AS k, %s AS v UNION ALL"
            ' SELECT key, value FROM json_each(coalesce(n."lines", json_array(n."text")))'
            ") ORDER BY k LIMIT %s))"
        )
    # The conflict target is the index ``notification_one_unread_digest`` (core/models.py), its
    # condition written as Django writes it into the index (SQLite wants the very same words).
    (unique,) = (c for c in Notification._meta.constraints if c.name == DIGEST_INDEX)
    condition = unique._get_condition_sql(Notification, connection.schema_editor())
    condition = condition.replace("%", "%%")
    return (
        f"INSERT INTO {table} AS n"
        ' ("user_id", "text", "link", "read", "created_at", "digest", "digest_day", "count",'
        ' "lines")'
        f" SELECT admins.pk, %s, %s, false, %s, %s, %s, 1, {new_lines}"
        # WHERE true: SQLite's parser needs it before ON CONFLICT after a SELECT.
        f" FROM ({admins}) admins WHERE true ORDER BY admins.pk"
        f' ON CONFLICT ("user_id", "digest", "digest_day") WHERE {condition}'
        f' DO UPDATE SET "count" = n."count" + 1, "text" = {text}, "lines" = {lines},'
        ' "link" = CASE WHEN n."link" = excluded."link" THEN n."link" ELSE \'\' END,'
        ' "created_at" = excluded."created_at"',
        tuple(params),
    )


def email(messages: dict, subject: str) -> int:
    """One email per user: ``messages`` maps a user to the lines meant for them."""
    batch = []
    for user, lines in messages.items():
        if user.email and lines:
            batch.append((subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email]))
    if not batch:
        return 0
    try:
        return send_mass_mail(batch, fail_silently=False)
    except OSError:
        # The state change is already committed; a mail server being down must not undo it.
        logger.exception("sending %d warning emails failed", len(batch))
        return 0
