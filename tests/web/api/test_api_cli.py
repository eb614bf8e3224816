"""`policyledger token create|list|revoke`: the key printed once works as a bearer token."""

from __future__ import annotations

from api_helpers import BASE
from click.testing import CliRunner
from django.test import Client

from policyledger.cli import main


def _me(key: str):
    return Client().get(f"{BASE}/me", headers={"Authorization": f"Bearer {key}"})


def test_token_create_list_revoke(bob):
    runner = CliRunner()
    created = runner.invoke(main, ["token", "create", "--user", "bob", "--name", "商务局系统"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    assert key.startswith("pl_")
    assert "请立即保存" in created.stderr
    assert _me(key).json()["username"] == "bob"

    listed = runner.invoke(main, ["token", "list", "--user", "bob"])
    assert listed.exit_code == 0
    assert "商务局系统" in listed.stdout and key not in listed.stdout
    token_id = listed.stdout.split("\t")[0]

    revoked = runner.invoke(main, ["token", "revoke", token_id])
    assert revoked.exit_code == 0, revoked.output
    assert _me(key).status_code == 401
    again = runner.invoke(main, ["token", "revoke", token_id])
    assert again.exit_code != 0 and "不存在或已停用" in again.output


def test_token_create_for_unknown_or_inactive_user_fails(bob):
    runner = CliRunner()
    unknown = runner.invoke(main, ["token", "create", "--user", "nobody"])
    assert unknown.exit_code != 0 and "用户“nobody”不存在" in unknown.output
    bob.is_active = False
    bob.save()
    inactive = runner.invoke(main, ["token", "create", "--user", "bob"])
    assert inactive.exit_code != 0 and "已停用" in inactive.output
