"""Fixtures for the rules library (pure Python: no database)."""

from __future__ import annotations

import pytest
from rules_jdm import JINAN_FILE

from policyledger.rules import RuleSet


@pytest.fixture(scope="session")
def jinan() -> RuleSet:
    return RuleSet.load(JINAN_FILE)
