"""Subsidy rules as data: GoRules JDM decision tables evaluated by zen-engine, dated versions with
test cases, builders for the common programme kinds, and a vectorised evaluator for what-if runs.

Pure Python (no Django). Money is integer fen (``*_fen`` fields) or Decimal, never float.
"""

from policyledger.rules import templates
from policyledger.rules.engine import Decision, evaluate, evaluate_many, validate_jdm
from policyledger.rules.errors import RuleError
from policyledger.rules.money import fen_to_yuan, yuan_to_fen
from policyledger.rules.ruleset import CaseResult, RuleSet, RuleVersion, TestCase, run_cases
from policyledger.rules.whatif import Match, Programme, WhatIf, match_programmes, whatif

__all__ = [
    "CaseResult",
    "Decision",
    "Match",
    "Programme",
    "RuleError",
    "RuleSet",
    "RuleVersion",
    "TestCase",
    "WhatIf",
    "evaluate",
    "evaluate_many",
    "fen_to_yuan",
    "match_programmes",
    "run_cases",
    "templates",
    "validate_jdm",
    "whatif",
    "yuan_to_fen",
]
