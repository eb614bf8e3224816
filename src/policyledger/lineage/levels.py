"""Level (国家/省/市/县) and region of a document from its 文号 and its issuer.

The 文号's 机关代字 (the characters before 〔年〕) is looked up in a data file of prefixes (longest
prefix first: 苏政办发 → 江苏省, 连政办发 → 连云港市, 国办发 → 国家); failing that, the issuer's name
is read by pattern: a 省/自治区 name gives the province, a 市/州/盟 name the city, a 县/区/旗 name
the county, and central bodies (中共中央, 国务院, a 部/委/总局/银行 without a place) the nation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LEVELS = ("国家", "省", "市", "县")

_NUMBER_PREFIX = re.compile(r"^\s*([^\s〔\[［(（\d]+?)\s*[〔\[［(（]\s*\d{4}")
_MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
_PROVINCE = re.compile(r"^(?:中共)?(.{2,7}?(?:省|自治区))")
_CITY = re.compile(r"^(?:中共)?(?:.{2,7}?(?:省|自治区))?(.{2,8}?(?:市|自治州|州|盟|地区))")
_COUNTY = re.compile(
    r"^(?:中共)?(?:.{2,7}?(?:省|自治区))?(?:.{2,8}?(?:市|州|盟))?(.{1,8}?(?:县|区|旗))"
)
_CENTRAL = re.compile(
    r"^(?:中共中央|国务院|全国|中央|国家|中国人民银行|财政部|商务部|.{1,8}(?:部|委员会|总局|总署|署|局)(?:办公厅)?$)"
)


@dataclass(frozen=True)
class Placement:
    level: str | None
    region: str | None
    basis: str  # "文号" / "发文机关" / "" (nothing recognised)


@lru_cache(maxsize=1)
def prefixes() -> tuple[tuple[str, str, str], ...]:
    text = resources.files("policyledger.lineage").joinpath("data/doc_number_prefixes.tsv")
    rows = []
    for line in text.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        prefix, level, region = line.split("\t")[:3]
        rows.append((prefix.strip(), level.strip(), region.strip()))
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


def agency_code(doc_number: str | None) -> str | None:
    """The 机关代字 of a 文号 (苏政办发〔2024〕12号 → 苏政办发)."""
    if not doc_number:
        return None
    match = _NUMBER_PREFIX.match(doc_number)
    return match.group(1) if match else None


def place(issuer: str | None, doc_number: str | None) -> Placement:
    """Level and region from the 文号 first, then from the issuer's name."""
    code = agency_code(doc_number)
    if code:
        for prefix, level, region in prefixes():
            if code.startswith(prefix):
                return Placement(level, region, "文号")
    name = re.sub(r"\s+", "", issuer or "")
    # Several issuers: the first one decides (they are peers).
    name = re.split(r"[、，,]", name)[0]
    if not name:
        return Placement(None, None, "")
    for city in _MUNICIPALITIES:
        if name.startswith(city) or name.startswith(city[:2] + "市"):
            return Placement("省", city, "发文机关")
    county = _COUNTY.match(name)
    city = _CITY.match(name)
    province = _PROVINCE.match(name)
    if (
        county
        and not county.group(1).endswith(("市", "地区"))
        and (city is None or county.end(1) > city.end(1))
    ):
        return Placement("县", county.group(1), "发文机关")
    if city:
        return Placement("市", city.group(1), "发文机关")
    if province:
        return Placement("省", province.group(1), "发文机关")
    if _CENTRAL.match(name):
        return Placement("国家", "全国", "发文机关")
    return Placement(None, None, "")
