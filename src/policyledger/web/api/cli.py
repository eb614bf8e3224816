"""`policyledger token ...`: API tokens for units' own systems, from the command line.

Django is imported inside each command, so `policyledger --help` needs no database.
"""

from __future__ import annotations

import functools

import click

from policyledger.web.core.cli import setup_django as _django


def _user(username: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise click.ClickException(f"用户“{username}”不存在")
    if not user.is_active:
        raise click.ClickException(f"用户“{username}”已停用，不能生成令牌")
    return user


def _database_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as exc:
            if type(exc).__module__.startswith(("django.db", "psycopg", "sqlite3")):
                raise click.ClickException(f"数据库不可用或尚未迁移：{exc}") from None
            raise

    return wrapper


@click.group()
def token() -> None:
    """接口令牌：供责任单位自有系统调用 /api/v1/。

    \b
    示例：
      policyledger token create --user bob --name 商务局系统
      policyledger token list --user bob
      policyledger token revoke 3
    """


@token.command("create")
@click.option("--user", "username", required=True, help="令牌所属用户名（权限与该用户相同）")
@click.option("--name", default="", help="用途说明，便于区分多个令牌")
@click.option("--days", type=int, default=None, help="有效期（天），默认90天")
@_database_errors
def create(username: str, name: str, days: int | None) -> None:
    """生成令牌；令牌只显示这一次，库中只存其 SHA-256。

    \b
    示例：
      policyledger token create --user bob --name 商务局系统
    """
    _django()
    from policyledger.web.accounts.services import TokenError, issue_token

    user = _user(username)
    try:
        row, key = issue_token(user, name.strip()[:100], days)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(key)
    click.echo(
        f"已为 {user.get_username()} 生成令牌（编号 {row.pk}），有效期至"
        f"{row.expires_at:%Y-%m-%d %H:%M}。请立即保存，之后无法再次查看。"
        f"\n用法：curl -H 'Authorization: Bearer {key}' http://127.0.0.1:8000/api/v1/me",
        err=True,
    )


@token.command("list")
@click.option("--user", "username", required=True, help="用户名")
@_database_errors
def list_tokens(username: str) -> None:
    """列出用户未停用的令牌（只显示前缀）。

    \b
    示例：
      policyledger token list --user bob
    """
    _django()
    from policyledger.web.accounts.models import ApiToken

    user = _user(username)
    rows = ApiToken.objects.filter(user=user, revoked=False).order_by("pk")
    for row in rows:
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "从未使用"
        expires = f"{row.expires_at:%Y-%m-%d}" if row.expires_at else "-"
        click.echo(
            f"{row.pk}\t{row.prefix}…\t{row.name or '-'}\t有效期至：{expires}\t最近使用：{used}"
        )
    if not rows:
        click.echo("（没有令牌）", err=True)


@token.command("revoke")
@click.argument("token_id", type=int)
@_database_errors
def revoke(token_id: int) -> None:
    """停用令牌（按编号），之后用它的请求返回 401。

    \b
    示例：
      policyledger token revoke 3
    """
    _django()
    from policyledger.web.accounts.services import revoke_token

    if not revoke_token(token_id):
        raise click.ClickException(f"令牌{token_id}不存在或已停用")
    click.echo(f"令牌{token_id}已停用")
