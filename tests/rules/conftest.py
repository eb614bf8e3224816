"""Fixtures for the rules library (pure Python: no database)."""

from __future__ import annotations

import pytest

from policyledger.rules import RuleSet

from rules_jdm import JINAN_FILE


@pytest.fixture(scope="session")
def jinan() -> RuleSet:
    return RuleSet.load(JINAN_FILE)
