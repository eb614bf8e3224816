"""Precision and recall of ``parse()`` per field against the hand-checked gold annotations.

    .venv/bin/python bench/accuracy.py [--verbose] [--only samples|heldout|devset]

Three sets, reported separately, per document and per field:

- samples: the five sample documents against tests/data/gold (the table below);
- heldout: our own constructed documents, tests/data/heldout (measures compared in order);
- devset: ten real documents read from ../shared/devset (not copied into the project), with the
  entries we are sure are wrong corrected from tests/data/devset-corrections/ (see its README).
  Targets (issue 10): measure count within 10 % of the gold count, or inside the gold's
  ``measure_count_range`` (a coarser or finer reading the gold calls defensible); responsible-unit
  F1 >= 0.95 (lead and support, role included), money F1 >= 0.95 (a range gives both ends),
  metadata (date, 文号, issuer) >= 0.9 (agreement, a correct "not printed" counts as agreeing).

Conventions follow tests/data/gold/README.md:
- measures are aligned by (sub-document, number); numbers compare after NFKC (``1﹒`` = ``1.``,
  ``（一）`` = ``(一)``) with ``、`` read as ``.``;
- every per-measure field is a multiset of (measure key, value) items, so a value on the wrong
  measure is both a false positive and a false negative;
- 001 is scrambled and its headings (十一) (十三) (十四) (十五) (二十一) (二十三) are not printed: the
  measures scored are those whose heading is in the text (what the parser can find), and its numeric
  lists (money, percents, counts, deadlines) are compared as document-level multisets;
- headings and sections compare without their numbering marker, whitespace-free, first 30 characters;
  where the gold leaves a section open (001 （十三）-（十八）: "二或三（边界不明…）") it is not scored.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "gold"
SAMPLES = ROOT / "samples" / "corpus"
HELDOUT = ROOT / "tests" / "data" / "heldout"
DEVSET = Path(os.environ.get("PL_DEVSET", ROOT.parent / "shared" / "devset"))
CORRECTIONS = ROOT / "tests" / "data" / "devset-corrections"
TARGETS = {"count_tolerance": 0.10, "units": 0.95, "money": 0.95, "metadata": 0.9}

FIELDS = (
    "title",
    "issuer",
    "doc_number",
    "date",
    "region",
    "measures",
    "headings",
    "sections",
    "lead_units",
    "support_units",
    "money",
    "percents",
    "counts",
    "deadlines",
    "citations",
)
NUMERIC = ("money", "percents", "counts", "deadlines")

# A numbering marker at the start of a heading or section: 一、 （一） (1) 1. 1、 ① 第一条.
_MARKER = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[条章节部分]|[(（][一二三四五六七八九十百零〇\d]+[)）]"
    r"|[一二三四五六七八九十百零〇]+[、.．]|\d+[、.．﹒]|[①-⑳])\s*"
)
_SPACE = re.compile(r"\s+")


@dataclass
class Score:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.pred += other.pred
        self.gold += other.gold

    @property
    def precision(self) -> float | None:
        return self.tp / self.pred if self.pred else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.gold if self.gold else None


def compare(predicted: Iterable, gold: Iterable) -> Score:
    p, g = Counter(predicted), Counter(gold)
    return Score(sum((p & g).values()), sum(p.values()), sum(g.values()))


def norm_text(value: str | None) -> str | None:
    if value is None:
        return None
    return _SPACE.sub("", unicodedata.normalize("NFKC", value)) or None


def norm_number(value: str) -> str:
    return norm_text(value).replace("、", ".").rstrip(".") + "."


def norm_title(value: str | None, limit: int = 30) -> str | None:
    text = norm_text(value)
    if text is None:
        return None
    text = _MARKER.sub("", unicodedata.normalize("NFKC", text)).rstrip("。；;")
    return text[:limit] or None


def norm_quantity(value) -> str:
    if isinstance(value, list | tuple):
        return "—".join(norm_quantity(v) for v in value)
    if isinstance(value, str):
        return re.sub(r"[-–~～至]", "—", value)
    return f"{round(float(value), 4):g}"


def _ends(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


@dataclass
class Extract:
    """One side (gold or predicted) reduced to comparable items per field."""

    items: dict[str, list] = field(default_factory=lambda: {name: [] for name in FIELDS})
    # Measures whose section the gold itself leaves open (001: "二或三（边界不明…）").
    unscored_sections: set = field(default_factory=set)


def _ambiguous(section: str | None) -> bool:
    return bool(section) and "不明" in section


def gold_items(gold: dict) -> Extract:
    out = Extract()
    doc = gold["document"]
    for name in ("title", "issuer", "doc_number", "date", "region"):
        value = norm_text(doc.get(name))
        if value:
            out.items[name].append(value)
    subdocs = gold.get("sub_documents") or [None]
    scrambled = bool(gold.get("scrambled_order"))
    for measure in gold["measures"]:
        part = subdocs.index(measure["sub_document"]) if measure.get("sub_document") else 0
        key = (part, norm_number(measure["number"]))
        numeric_key = None if scrambled else key
        for money in measure["money_yuan"]:
            out.items["money"].append((numeric_key, norm_quantity(money)))
        for percent in measure["percents"]:
            out.items["percents"].append((numeric_key, norm_quantity(percent)))
        for value, unit in measure["counts"]:
            out.items["counts"].append((numeric_key, norm_quantity(value), unit))
        for deadline in measure["deadlines"]:
            out.items["deadlines"].append((numeric_key, deadline))
        if measure.get("heading_in_text") is False:
            continue  # not printed: nothing a parser could find to key it by
        out.items["measures"].append(key)
        if measure.get("heading"):
            out.items["headings"].append((key, norm_title(measure["heading"])))
        if _ambiguous(measure.get("section")):
            out.unscored_sections.add(key)
        elif measure.get("section"):
            out.items["sections"].append((key, norm_title(measure["section"])))
        out.items["lead_units"].extend((key, norm_text(u)) for u in measure["lead_units"])
        out.items["support_units"].extend((key, norm_text(u)) for u in measure["support_units"])
    out.items["citations"] = [norm_text(c) for c in gold["citations"]]
    return out


def _part_map(document, gold: dict) -> dict[int, int]:
    """Parsed part index -> gold sub-document index, by title similarity."""
    subdocs = gold.get("sub_documents") or [None]
    if len(subdocs) == 1:
        return {i: 0 for i in range(max(1, len(document.parts)))}
    mapping = {}
    for index, part in enumerate(document.parts):
        title = norm_text(part.title) or ""
        scores = [
            SequenceMatcher(None, title, norm_text(sub) or "").ratio() if sub else 0
            for sub in subdocs
        ]
        mapping[index] = max(range(len(subdocs)), key=scores.__getitem__)
    return mapping


def predicted_items(document, gold: dict) -> Extract:
    out = Extract()
    for name in ("title", "issuer", "doc_number", "date", "region"):
        value = norm_text(getattr(document, name))
        if value:
            out.items[name].append(value)
    scrambled = bool(gold.get("scrambled_order"))
    parts = _part_map(document, gold)
    for measure in document.measures:
        key = (parts.get(measure.part, measure.part), norm_number(measure.number))
        numeric_key = None if scrambled else key
        out.items["measures"].append(key)
        if measure.heading:
            out.items["headings"].append((key, norm_title(measure.heading)))
        if measure.section:
            out.items["sections"].append((key, norm_title(measure.section)))
        out.items["lead_units"].extend((key, norm_text(u)) for u in measure.lead_units)
        out.items["support_units"].extend((key, norm_text(u)) for u in measure.support_units)
        for target in measure.targets:
            if target.kind == "money":
                out.items["money"].extend(
                    (numeric_key, norm_quantity(v)) for v in _ends(target.value)
                )
            elif target.kind == "percent":
                out.items["percents"].extend(
                    (numeric_key, norm_quantity(v)) for v in _ends(target.value)
                )
            elif target.kind == "count":
                out.items["counts"].append((numeric_key, norm_quantity(target.value), target.unit))
            elif target.kind == "date":
                out.items["deadlines"].append((numeric_key, str(target.value)))
    out.items["citations"] = [norm_text(c.doc_number) for c in document.citations if c.doc_number]
    return out


def sides(document, gold: dict) -> tuple[Extract, Extract]:
    """(predicted, expected) items, with what the gold leaves open removed from both."""
    predicted, expected = predicted_items(document, gold), gold_items(gold)
    predicted.items["sections"] = [
        item for item in predicted.items["sections"] if item[0] not in expected.unscored_sections
    ]
    return predicted, expected


def evaluate(document, gold: dict) -> dict[str, Score]:
    predicted, expected = sides(document, gold)
    return {name: compare(predicted.items[name], expected.items[name]) for name in FIELDS}


def load_gold() -> list[tuple[Path, dict]]:
    pairs = []
    for path in sorted(GOLD.glob("*.gold.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        pairs.append((SAMPLES / gold["file"], gold))
    return pairs


def _fmt(value: float | None) -> str:
    return "  –  " if value is None else f"{value:5.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list misses and extras per field")
    parser.add_argument("--only", choices=("samples", "heldout", "devset"), help="one set only")
    args = parser.parse_args()
    status = 0
    if args.only in (None, "samples"):
        report_samples(args.verbose)
    if args.only in (None, "heldout"):
        print()
        report_heldout(args.verbose)
    if args.only in (None, "devset"):
        print()
        status = report_devset(args.verbose)
    return status


def report_samples(verbose: bool = False) -> None:
    from policyledger.parsing import parse

    pairs = load_gold()
    missing = [str(path) for path, _ in pairs if not path.exists()]
    if not pairs or missing:
        print(f"bench FAILED: gold or sample texts missing: {missing or GOLD}", file=sys.stderr)
        return 2
    print("== samples (tests/data/gold)")
    totals = {name: Score() for name in FIELDS}
    per_sample: list[tuple[str, dict[str, Score], int, int]] = []
    for path, gold in pairs:
        document = parse(path.read_text(encoding="utf-8"), name=path.name)
        scores = evaluate(document, gold)
        expected = len(gold_items(gold).items["measures"])
        per_sample.append((path.name[:3], scores, len(document.measures), expected))
        for name in FIELDS:
            totals[name].add(scores[name])
        if verbose:
            _explain(path.name, document, gold)

    header = (
        f"{'field':<14}" + "".join(f"{name:>14}" for name, *_ in per_sample) + f"{'overall':>22}"
    )
    print("precision / recall per field (tp/pred/gold overall)")
    print(header)
    for name in FIELDS:
        row = f"{name:<14}"
        for _, scores, *_ in per_sample:
            s = scores[name]
            row += f"  {_fmt(s.precision)}/{_fmt(s.recall)}" if s.pred or s.gold else f"{'':>12}--"
        total = totals[name]
        row += f"   {_fmt(total.precision)}/{_fmt(total.recall)} ({total.tp}/{total.pred}/{total.gold})"
        print(row)
    print()
    print("measure counts (parsed / gold scored):")
    for sample, _, found, expected in per_sample:
        print(f"  {sample}: {found} / {expected}")
    micro = Score()
    for name in FIELDS:
        micro.add(totals[name])
    print(f"all fields pooled: precision {_fmt(micro.precision)}, recall {_fmt(micro.recall)}")
    print()
    print(f"samples: {len(per_sample)}")
    print(f"pooled_precision: {_fmt(micro.precision).strip()}")
    print(f"pooled_recall: {_fmt(micro.recall).strip()}")
    for name in FIELDS:
        print(f"{name}_recall: {_fmt(totals[name].recall).strip()}")
    print(f"samples_measures: {totals['measures'].tp}/{totals['measures'].gold}")
    print(f"samples_units: {totals['lead_units'].tp}/{totals['lead_units'].gold}")
    print(f"samples_money: {totals['money'].tp}/{totals['money'].gold}")


def _explain(name: str, document, gold: dict) -> None:
    predicted, expected = sides(document, gold)
    print(f"== {name}")
    for field_name in FIELDS:
        p, g = Counter(predicted.items[field_name]), Counter(expected.items[field_name])
        missing, extra = list((g - p).elements()), list((p - g).elements())
        if missing or extra:
            print(f"  {field_name}: missing {missing[:12]}{' …' if len(missing) > 12 else ''}")
            print(
                f"  {' ' * len(field_name)}  extra   {extra[:12]}{' …' if len(extra) > 12 else ''}"
            )


# ---------------------------------------------------------------------------------------------------
# Held-out and development sets: per document, the fields issue 10 names.

DOC_FIELDS = ("date", "doc_number", "issuer")
SET_FIELDS = ("measures", "units", "lead_units", "support_units", "money", "headings")
_LEAD_MARKS = re.compile(r"^[\s#*]+")


@dataclass
class DocReport:
    """One document of the held-out or development set, scored."""

    name: str
    parsed: int
    gold: int
    count_range: tuple[int, int] | None
    scores: dict[str, Score]
    metadata: dict[str, tuple[str | None, str | None]]  # field -> (parsed, gold)
    misses: list[str] = field(default_factory=list)

    @property
    def count_ok(self) -> bool:
        if abs(self.parsed - self.gold) <= TARGETS["count_tolerance"] * self.gold:
            return True
        return self.count_range is not None and (
            self.count_range[0] <= self.parsed <= self.count_range[1]
        )

    @property
    def metadata_agreeing(self) -> int:
        return sum(1 for got, want in self.metadata.values() if got == want)


def f1(score: Score) -> float | None:
    if not score.pred and not score.gold:
        return None
    p, r = score.precision or 0.0, score.recall or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def _marker_of(label: str | None) -> str | None:
    """The numbering marker a section label starts with (Markdown ``**``/``#`` ignored)."""
    if not label:
        return None
    text = _LEAD_MARKS.sub("", unicodedata.normalize("NFKC", label))
    found = _MARKER.match(text)
    return norm_number(found.group()) if found else norm_title(label, 12)


def _unit_name(name: str) -> str:
    # The gold keeps names as printed, the parser gives them through the shipped alias table (full
    # formal name -> standard short name, 人力资源和社会保障厅 -> 人力资源社会保障厅): compare both so.
    from policyledger.parsing.units import canonical_unit

    return canonical_unit(norm_text(name) or "")


def _unit_items(key, lead: Iterable[str], support: Iterable[str]) -> list:
    return [(key, "lead", _unit_name(u)) for u in lead] + [
        (key, "support", _unit_name(u)) for u in support
    ]


def _set_items(keys: list, measures: list[dict]) -> dict[str, list]:
    """Comparable items of measures given as dicts (number, heading, lead/support units, money)."""
    items: dict[str, list] = {name: [] for name in SET_FIELDS}
    for key, m in zip(keys, measures, strict=True):
        items["measures"].append(key)
        if m.get("heading"):
            items["headings"].append((key, norm_title(m["heading"], 12)))
        units = _unit_items(key, m["lead_units"], m["support_units"])
        items["units"].extend(units)
        items["lead_units"].extend(u for u in units if u[1] == "lead")
        items["support_units"].extend(u for u in units if u[1] == "support")
        items["money"].extend((key, norm_quantity(v)) for v in m["money"])
    return items


def _view(measure) -> dict:
    money = [v for t in measure.targets if t.kind == "money" for v in _ends(t.value)]
    return {
        "number": measure.number,
        "heading": measure.heading,
        "section": measure.section,
        "lead_units": measure.lead_units,
        "support_units": measure.support_units,
        "money": money,
    }


def _score_sets(name, document, wanted: list[dict], keys_wanted, keys_parsed, meta) -> DocReport:
    parsed = [_view(m) for m in document.measures]
    got, want = _set_items(keys_parsed, parsed), _set_items(keys_wanted, wanted)
    scores = {f: compare(got[f], want[f]) for f in SET_FIELDS}
    misses = []
    for f in ("measures", "units", "money"):
        p, g = Counter(got[f]), Counter(want[f])
        missing, extra = list((g - p).elements()), list((p - g).elements())
        if missing:
            misses.append(f"{f} missing {missing}")
        if extra:
            misses.append(f"{f} extra   {extra}")
    for f, (a, b) in meta.items():
        if a != b:
            misses.append(f"{f}: parsed {a!r}, gold {b!r}")
    return DocReport(name, len(parsed), len(wanted), None, scores, meta, misses)


def _meta(document, expected: dict) -> dict[str, tuple[str | None, str | None]]:
    return {f: (norm_text(getattr(document, f)), norm_text(expected.get(f))) for f in DOC_FIELDS}


def heldout_reports() -> list[DocReport]:
    """tests/data/heldout: measures compared in order (the annotation lists them so)."""
    from policyledger.parsing import parse

    reports = []
    for path in sorted(HELDOUT.glob("*.expected.json")):
        name = path.name.removesuffix(".expected.json")
        expected = json.loads(path.read_text(encoding="utf-8"))
        document = parse((HELDOUT / f"{name}.txt").read_text(encoding="utf-8"), name=name)
        wanted = [{**m, "money": m.get("money", [])} for m in expected["measures"]]
        keys_w = [(i, norm_number(m["number"])) for i, m in enumerate(wanted)]
        keys_p = [(i, norm_number(m.number)) for i, m in enumerate(document.measures)]
        report = _score_sets(name, document, wanted, keys_w, keys_p, _meta(document, expected))
        report.count_range = (expected["measure_count"], expected["measure_count"])
        reports.append(report)
    return reports


# ---- development set


def devset_available() -> bool:
    return DEVSET.is_dir() and any(DEVSET.glob("*.gold.json"))


def load_corrections() -> dict[str, dict]:
    """slug -> the corrections file (tests/data/devset-corrections/<slug>.json)."""
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(CORRECTIONS.glob("*.json"))
    }


def _matches(measure: dict, where: dict) -> bool:
    return all(measure.get(k) == v for k, v in where.items())


def corrected(slug: str, gold: dict, corrections: dict[str, dict] | None = None) -> dict:
    """The gold with our corrections applied; a correction whose old value is no longer in the
    gold (the gold was fixed upstream) raises, so a stale correction is noticed."""
    table = (corrections if corrections is not None else load_corrections()).get(slug)
    if not table:
        return gold
    gold = json.loads(json.dumps(gold))
    for entry in table.get("document", []):
        if gold["document"].get(entry["field"]) != entry["gold"]:
            raise ValueError(f"{slug}: correction of document.{entry['field']} no longer applies")
        gold["document"][entry["field"]] = entry["corrected"]
    for entry in table.get("measures", []):
        found = [m for m in gold["measures"] if _matches(m, entry["where"])]
        if len(found) != 1 or found[0].get(entry["field"]) != entry["gold"]:
            raise ValueError(
                f"{slug}: correction {entry['where']} {entry['field']} no longer applies"
            )
        found[0][entry["field"]] = entry["corrected"]
    return gold


def load_devset() -> list[tuple[str, str, dict]]:
    """(slug, text, corrected gold) for every document of ../shared/devset."""
    corrections = load_corrections()
    out = []
    for path in sorted(DEVSET.glob("*.gold.json")):
        slug = path.name.removesuffix(".gold.json")
        gold = json.loads(path.read_text(encoding="utf-8"))
        text = (DEVSET / gold["file"]).read_text(encoding="utf-8")
        out.append((slug, text, corrected(slug, gold, corrections)))
    return out


def _devset_keys(gold: dict, document) -> tuple[list, list]:
    """Measure keys for gold and parse: (sub-document, number), with the section's marker where
    numbering restarts per section, and (sub-document, section, ¶n) for unnumbered paragraphs."""
    subdocs = gold.get("sub_documents") or [None]
    tokens = []
    for m in gold["measures"]:
        part = subdocs.index(m.get("sub_document")) if m.get("sub_document") in subdocs else 0
        number = norm_number(m["number"]) if m.get("number") else None
        tokens.append((part, number))
    restarts = len(set(tokens)) < len(tokens)

    def make(part, number, section, paragraph):
        if number is None:
            return (part, _marker_of(section), f"¶{paragraph}")
        return (part, _marker_of(section), number) if restarts else (part, number)

    gold_keys = [
        make(part, number, m.get("section"), m.get("paragraph_in_section"))
        for (part, number), m in zip(tokens, gold["measures"], strict=True)
    ]
    parts = _part_map(document, gold)
    parsed_keys, paragraphs = [], Counter()
    for m in document.measures:
        part = parts.get(m.part, m.part)
        number = norm_number(m.number) if m.number and m.number.strip() else None
        paragraph = None
        if number is None:
            paragraphs[(part, _marker_of(m.section))] += 1
            paragraph = paragraphs[(part, _marker_of(m.section))]
        parsed_keys.append(make(part, number, m.section, paragraph))
    return gold_keys, parsed_keys


def devset_reports() -> list[DocReport]:
    from policyledger.parsing import parse

    reports = []
    for slug, text, gold in load_devset():
        document = parse(text, name=gold["file"])
        wanted = [{**m, "money": m["money_yuan"]} for m in gold["measures"]]
        keys_w, keys_p = _devset_keys(gold, document)
        report = _score_sets(
            slug, document, wanted, keys_w, keys_p, _meta(document, gold["document"])
        )
        report.gold = gold["measure_count"]
        if gold.get("measure_count_range"):
            report.count_range = tuple(gold["measure_count_range"])
        reports.append(report)
    return reports


def _print_set(reports: list[DocReport], verbose: bool) -> dict[str, float | None]:
    print(
        f"{'document':<38}{'measures':>12}{'units P/R':>14}{'money P/R':>14}"
        f"{'lead/support F1':>17}{'meta':>6}"
    )
    totals = {f: Score() for f in SET_FIELDS}
    agree = compared = 0
    for r in reports:
        for f in SET_FIELDS:
            totals[f].add(r.scores[f])
        agree += r.metadata_agreeing
        compared += len(r.metadata)
        shown = f"{r.parsed}/{r.gold}" + ("" if r.count_ok else " ✗")
        u, m = r.scores["units"], r.scores["money"]
        lf, sf = f1(r.scores["lead_units"]), f1(r.scores["support_units"])
        print(
            f"{r.name[:37]:<38}{shown:>12}  {_fmt(u.precision)}/{_fmt(u.recall)}"
            f"  {_fmt(m.precision)}/{_fmt(m.recall)}   {_fmt(lf)}/{_fmt(sf)}"
            f"  {r.metadata_agreeing}/{len(r.metadata)}"
        )
        if verbose:
            for line in r.misses:
                print(f"      {line[:600]}")
    summary = {
        "count_ok": sum(r.count_ok for r in reports),
        "units_f1": f1(totals["units"]),
        "money_f1": f1(totals["money"]),
        "metadata": agree / compared if compared else None,
        "measures_f1": f1(totals["measures"]),
        "headings_f1": f1(totals["headings"]),
    }
    for f in ("units", "money", "measures"):
        t = totals[f]
        print(f"  {f}: tp {t.tp} / parsed {t.pred} / gold {t.gold}")
    return summary


def report_heldout(verbose: bool = False) -> None:
    print("== heldout (tests/data/heldout, our own constructed documents)")
    reports = heldout_reports()
    summary = _print_set(reports, verbose)
    print(f"heldout_count_exact: {sum(r.parsed == r.gold for r in reports)}/{len(reports)}")
    print(f"heldout_units_f1: {_fmt(summary['units_f1'])}")
    print(f"heldout_money_f1: {_fmt(summary['money_f1'])}")
    print(f"heldout_metadata: {_fmt(summary['metadata'])}")


def report_devset(verbose: bool = False) -> int:
    print(f"== devset ({DEVSET})")
    if not devset_available():
        print(f"devset: absent — no *.gold.json under {DEVSET} (set PL_DEVSET to its folder)")
        return 0
    reports = devset_reports()
    summary = _print_set(reports, verbose)
    ok = (
        summary["count_ok"] == len(reports)
        and (summary["units_f1"] or 0) >= TARGETS["units"]
        and (summary["money_f1"] or 0) >= TARGETS["money"]
        and (summary["metadata"] or 0) >= TARGETS["metadata"]
    )
    print(f"devset_count_within_target: {summary['count_ok']}/{len(reports)}")
    print(f"devset_measures_f1: {_fmt(summary['measures_f1'])}")
    print(f"devset_units_f1: {_fmt(summary['units_f1'])}")
    print(f"devset_money_f1: {_fmt(summary['money_f1'])}")
    print(f"devset_metadata: {_fmt(summary['metadata'])}")
    print(f"devset_headings_f1: {_fmt(summary['headings_f1'])}")
    print(f"devset_targets_met: {'yes' if ok else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
