"""Seeded synthetic populations for what-if runs, benches and differential tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np

from policyledger.rules.compile import Categorical

CATEGORIES = [
    "电冰箱",
    "洗衣机",
    "电视机",
    "空调",
    "电脑",
    "热水器",
    "家用灶具",
    "吸油烟机",
    "净水器",
    "洗碗机",
    "微波炉",
    "电饭煲",
    "扫地机器人",
]
GRADES = ["1级", "2级", "3级", "无标识"]
BUYERS = ["个人消费者", "企业"]
DISTRICTS = [
    "历下区",
    "市中区",
    "槐荫区",
    "天桥区",
    "历城区",
    "长清区",
    "章丘区",
    "济阳区",
    "莱芜区",
    "钢城区",
    "平阴县",
    "商河县",
]


def appliance_invoices(n: int, seed: int = 2025) -> dict[str, Any]:
    """``n`` appliance invoices for the Jinan trade-in rule: categories, grades, prices in fen
    (edges of the 2000元 cap and odd fen included), items already claimed, district, submission time."""
    rng = np.random.default_rng(seed)
    price = rng.integers(1_000, 2_000_000, size=n, dtype=np.int64)
    # a share of prices sits right at the cap's edges (13333.33元 / 10000元) to exercise rounding
    edge = rng.random(n) < 0.02
    price[edge] = rng.choice(
        np.array([1_333_333, 1_333_334, 1_333_337, 1_000_000, 1_010]), size=int(edge.sum())
    )
    return {
        "buyer_type": Categorical((rng.random(n) < 0.03).astype(np.int8), BUYERS),
        "category": Categorical(
            rng.integers(0, len(CATEGORIES), size=n, dtype=np.int8), CATEGORIES
        ),
        "efficiency_grade": Categorical(
            rng.choice(np.arange(len(GRADES), dtype=np.int8), size=n, p=[0.45, 0.35, 0.1, 0.1]),
            GRADES,
        ),
        "price_fen": price,
        "items_claimed": rng.choice(np.arange(4, dtype=np.int64), size=n, p=[0.8, 0.1, 0.06, 0.04]),
        "district": Categorical(rng.integers(0, len(DISTRICTS), size=n, dtype=np.int8), DISTRICTS),
        "submitted_at": np.arange(n, dtype=np.int64) * 3 + rng.integers(0, 3, size=n),
    }


def rows(
    population: dict[str, Any], index: Any, skip: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Plain dict rows (for zen-engine) of the selected indexes; numbers as int, texts as str."""
    cols = {}
    for name, col in population.items():
        if name in skip:
            continue
        if isinstance(col, Categorical):
            cats = np.asarray(col.categories, dtype=object)
            cols[name] = cats[np.asarray(col.codes)[index]].tolist()
        else:
            cols[name] = np.asarray(col)[index].tolist()
    names = list(cols)
    return [dict(zip(names, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]


def columns_from_records(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """An uploaded population (rows as dicts, e.g. from an xlsx import) as columns for what-if:
    texts become :class:`Categorical`, whole numbers int64 (money must already be fen), booleans
    bool, dates/datetimes numpy datetime64 (usable as the submission order). Floats are refused."""
    from policyledger.rules.errors import RuleError

    if not records:
        raise RuleError(None, "人群数据为空")
    names = list(records[0])
    out: dict[str, Any] = {}
    for name in names:
        try:
            values = [r[name] for r in records]
        except KeyError:
            raise RuleError(
                None,
                f"人群数据第 {next(i for i, r in enumerate(records, 1) if name not in r)} 行缺少列 {name}",
            ) from None
        kinds = {type(v) for v in values}
        if kinds <= {str}:
            out[name] = Categorical.from_values(values)
        elif kinds <= {bool}:
            out[name] = np.asarray(values, dtype=bool)
        elif kinds <= {int}:
            out[name] = np.asarray(values, dtype=np.int64)
        elif kinds <= {date, datetime}:
            out[name] = np.asarray(values, dtype="datetime64[s]")
        elif float in kinds:
            raise RuleError(None, f"人群数据列 {name} 含浮点数：金额请用整数分")
        else:
            raise RuleError(
                None, f"人群数据列 {name} 的取值类型不一致：{sorted(k.__name__ for k in kinds)}"
            )
    return out


def take(population: dict[str, Any], index: Any) -> dict[str, Any]:
    return {
        k: (v.take(index) if isinstance(v, Categorical) else np.asarray(v)[index])
        for k, v in population.items()
    }
