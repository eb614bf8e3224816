"""What-if (baseline vs scenario over a population) and the policy calculator's matching core."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from policyledger.rules.compile import Categorical, CompiledRule, compile_jdm, decide_vector
from policyledger.rules.engine import Decision, evaluate_many
from policyledger.rules.errors import RuleError
from policyledger.rules.money import fen_to_yuan


@dataclass(frozen=True)
class GroupTotals:
    cost_fen: int  # entitlements, before the pool runs out
    funded_fen: int  # paid within the budget, first come first served
    eligible: int
    served: int


@dataclass(frozen=True)
class ScenarioTotals:
    total_cost_fen: int
    funded_fen: int
    eligible: int
    people_served: int
    budget_fen: int
    share_of_budget: Decimal  # total cost / budget, 4 places
    runs_out_at: Any  # submission key (int, datetime) of the first application the pool cannot pay
    runs_out_after: int | None  # how many eligible applications were paid before that
    by_group: dict[str, GroupTotals] = field(default_factory=dict)


@dataclass(frozen=True)
class WhatIf:
    baseline: ScenarioTotals
    scenario: ScenarioTotals
    by: str

    def table(self) -> list[tuple[str, str, str]]:
        """Side-by-side rows (label, baseline, scenario) for a page or the CLI."""
        b, s = self.baseline, self.scenario

        def out(t: ScenarioTotals) -> str:
            return (
                "未用完"
                if t.runs_out_at is None
                else f"第{t.runs_out_after + 1}笔（{t.runs_out_at}）"
            )  # type: ignore[operator]

        rows = [
            ("总成本（元）", fen_to_yuan(b.total_cost_fen), fen_to_yuan(s.total_cost_fen)),
            ("预算内兑付（元）", fen_to_yuan(b.funded_fen), fen_to_yuan(s.funded_fen)),
            ("符合条件人次", str(b.eligible), str(s.eligible)),
            ("预算内受益人次", str(b.people_served), str(s.people_served)),
            ("占预算比例", f"{b.share_of_budget:.2%}", f"{s.share_of_budget:.2%}"),
            ("资金用完于", out(b), out(s)),
        ]
        for key in sorted(set(b.by_group) | set(s.by_group)):
            gb = b.by_group.get(key, GroupTotals(0, 0, 0, 0))
            gs = s.by_group.get(key, GroupTotals(0, 0, 0, 0))
            rows.append(
                (f"{key}：预算内兑付（元）", fen_to_yuan(gb.funded_fen), fen_to_yuan(gs.funded_fen))
            )
        return rows


def _group_codes(population: dict[str, Any], by: str | None) -> tuple[np.ndarray | None, list[str]]:
    if by is None:
        return None, []
    if by not in population:
        raise RuleError(None, f"人群数据缺少分组列 {by}")
    col = population[by]
    cat = col if isinstance(col, Categorical) else Categorical.from_values(np.asarray(col))
    return np.asarray(cat.codes), [str(c) for c in cat.categories]


def _sum_by(codes: np.ndarray, k: int, values: np.ndarray) -> np.ndarray:
    out = np.zeros(k, dtype=np.int64)
    np.add.at(out, codes, values.astype(np.int64, copy=False))
    return out


def scenario_totals(
    rule: CompiledRule | dict[str, Any],
    population: dict[str, Any],
    budget_fen: int,
    *,
    by: str | None = "district",
    order: str | None = "submitted_at",
) -> ScenarioTotals:
    """Totals of one rule over a population, paying in submission order until the budget is out."""
    if isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or budget_fen <= 0:
        raise RuleError(None, f"预算必须是正整数分，实际为 {budget_fen!r}")
    inputs = {k: v for k, v in population.items() if k not in {by, order}}
    res = decide_vector(rule, inputs)
    amount, eligible = res["amount_fen"], res["eligible"]
    n = len(amount)
    if order and order in population:
        keys = np.asarray(population[order])
        already_sorted = keys.size < 2 or bool(np.all(keys[1:] >= keys[:-1]))
        idx = None if already_sorted else np.argsort(keys, kind="stable")
    else:
        keys = np.arange(n)
        idx = None
    ordered = amount if idx is None else amount[idx]
    cum = np.cumsum(ordered, dtype=np.int64)
    if ordered.size and int(ordered.min()) < 0:
        raise RuleError(None, "规则给出了负金额，无法按申报顺序计算资金池")
    # amounts are >= 0, so the running total never falls: the pool pays a prefix in submission
    # order and the first application past the budget is found by binary search.
    first = int(np.searchsorted(cum, budget_fen, side="right"))
    runs_out_at = runs_out_after = None
    elig_sorted = eligible if idx is None else eligible[idx]
    if first < n:
        runs_out_at = keys[first if idx is None else idx[first]].item()
        runs_out_after = int(np.count_nonzero(elig_sorted[:first]))
    total = int(cum[-1]) if n else 0
    funded_total = int(cum[first - 1]) if first else 0
    by_group: dict[str, GroupTotals] = {}
    codes, names = _group_codes(population, by)
    if codes is not None:
        k = len(names)
        codes_sorted = codes if idx is None else codes[idx]
        cost = _sum_by(codes, k, amount)
        elig = np.bincount(codes[eligible], minlength=k)
        fund = _sum_by(codes_sorted[:first], k, ordered[:first])
        served = np.bincount(codes_sorted[:first][elig_sorted[:first]], minlength=k)
        for i, name in enumerate(names):
            by_group[name] = GroupTotals(int(cost[i]), int(fund[i]), int(elig[i]), int(served[i]))
    share = (Decimal(total) / Decimal(budget_fen)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    return ScenarioTotals(
        total_cost_fen=total,
        funded_fen=funded_total,
        eligible=int(np.count_nonzero(eligible)),
        people_served=runs_out_after
        if runs_out_after is not None
        else int(np.count_nonzero(eligible)),
        budget_fen=budget_fen,
        share_of_budget=share,
        runs_out_at=runs_out_at,
        runs_out_after=runs_out_after,
        by_group=by_group,
    )


def whatif(
    jdm_baseline: dict[str, Any] | CompiledRule,
    jdm_scenario: dict[str, Any] | CompiledRule,
    population: dict[str, Any],
    budget_fen: int,
    by: str | None = "district",
    *,
    scenario_budget_fen: int | None = None,
    order: str | None = "submitted_at",
    parallel: bool = True,
) -> WhatIf:
    """Baseline vs scenario over the same population (columns of equal length; ``order`` is the
    submission key, ``by`` the grouping column): total cost, people served, share of budget, when
    the pool runs out, by group. Both rules are compiled to numpy (exact integer fen)."""
    base = jdm_baseline if isinstance(jdm_baseline, CompiledRule) else compile_jdm(jdm_baseline)
    scen = jdm_scenario if isinstance(jdm_scenario, CompiledRule) else compile_jdm(jdm_scenario)
    if scen is base:  # a CompiledRule holds its run's state: one per thread
        scen = compile_jdm(base.jdm)
    jobs = [(base, budget_fen), (scen, scenario_budget_fen or budget_fen)]

    def run(job: tuple[CompiledRule, int]) -> ScenarioTotals:
        return scenario_totals(job[0], population, job[1], by=by, order=order)

    if parallel:
        # numpy releases the GIL in its loops: the two rules run on two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            baseline, scenario = pool.map(run, jobs)
    else:
        baseline, scenario = (run(job) for job in jobs)
    return WhatIf(baseline=baseline, scenario=scenario, by=by or "")


# --- calculator --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    """An open programme as the calculator sees it."""

    id: str
    name: str
    jdm: dict[str, Any]
    clause: str = ""  # the policy text that says so (shown with the amount)


@dataclass(frozen=True)
class Match:
    programme: Programme
    decision: Decision

    @property
    def amount_fen(self) -> int:
        return self.decision.amount_fen

    @property
    def reason(self) -> str:
        return self.decision.reason


def match_programmes(
    profile: dict[str, Any], programmes: Sequence[Programme], *, trace: bool = False
) -> list[Match]:
    """Every programme the profile qualifies for, largest amount first (ties by programme id).

    A programme whose rule needs a figure the profile lacks is simply not matched (zen sees null and
    the rule's own conditions decide); a rule that fails to evaluate is skipped, never fatal.
    """
    matches: list[Match] = []
    results = evaluate_many([p.jdm for p in programmes], profile, trace=trace)
    for programme, result in zip(programmes, results, strict=True):
        if isinstance(result, Decision) and result.eligible:
            matches.append(Match(programme, result))
    matches.sort(key=lambda m: (-m.amount_fen, m.programme.id))
    return matches
