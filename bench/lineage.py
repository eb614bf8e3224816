"""Lineage bench: accuracy on ../shared/lineage-dev and proposals against a large library.

Accuracy: each lineage-dev pair is parsed and proposed; gold measures are mapped to parsed measures
by character offset (``policyledger.lineage.evaluation``). ``top3_recall`` is the share of truly
linked child measures with a true parent among their first three candidates, ``high_precision`` the
share of high-confidence candidates that are true links; both end to end (the parser's segmentation)
and, as ``*_gold_segmentation``, with measures cut at the gold offsets (the matcher alone).

Scale: a synthetic library (character-trigram chains trained on samples/corpus, assembled by
templates into measures with amounts and percentages: no real text is copied) is indexed in a
process pool with a progress bar; a synthetic 50-measure child that reuses, rewrites and adds to
measures of two library documents is proposed against the whole library.

    .venv/bin/python bench/lineage.py                    # 1,000 documents (shared machine)
    .venv/bin/python bench/lineage.py --documents 10000  # the full target, ~300,000 measures

Ends with ``key: value`` lines. Exits 2 at once when ../shared/lineage-dev or a dependency is missing.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "lineage-dev"
SAMPLES = ROOT / "samples" / "corpus"


def fail(message: str) -> None:
    print(f"bench/lineage.py: {message}", file=sys.stderr)
    sys.exit(2)


try:
    import datasketch  # noqa: F401
    import numpy as np
    import scipy  # noqa: F401
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from policyledger.lineage import LineageIndex, propose
    from policyledger.lineage.evaluation import (
        Score,
        gold_document,
        load_pairs,
        recognised,
        score_pair,
    )
    from policyledger.parsing import parse
    from policyledger.parsing.model import Document, Measure, Source
except ImportError as exc:  # pragma: no cover - the point is the message
    fail(f"missing dependency: {exc.name} (pip install -e '.[test]')")

CN = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    if n < 20:
        return "十" + (CN[n - 11] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CN[tens - 1] + "十" + (CN[ones - 1] if ones else "")


# -- accuracy ------------------------------------------------------------------------------------


def accuracy() -> dict[str, float]:
    pairs = load_pairs(DEV)
    if not pairs:
        fail(f"no *.links.json in {DEV}")
    totals = {"parsed": Score(), "gold": Score()}
    for pair in pairs:
        for mode in ("parsed", "gold"):
            if mode == "gold":
                parent = gold_document(pair.parent_text, pair.gold_parent, f"{pair.name}-parent")
                child = gold_document(pair.child_text, pair.gold_child, f"{pair.name}-child")
            else:
                parent = parse(pair.parent_text, name=f"{pair.name}-parent.txt")
                child = parse(pair.child_text, name=f"{pair.name}-child.txt")
            lineage = propose(parent, child)
            answers = [
                [(c.parent.measure, c.confidence) for c in p.candidates] for p in lineage.proposals
            ]
            score = score_pair(pair, parent, child, answers)
            totals[mode].add(score)
            extra = ""
            if mode == "parsed":
                extra = (
                    f", parser measures {len(parent.measures)}/{len(child.measures)}"
                    f" (gold {len(pair.gold_parent)}/{len(pair.gold_child)}; printed numbers"
                    f" recognised {recognised(pair.gold_parent, parent.measures)}"
                    f"/{recognised(pair.gold_child, child.measures)})"
                )
            print(
                f"{pair.name} [{mode}]: top-3 recall {score.top3_recall:.3f}"
                f" ({score.hits}/{score.linked_children}), high precision"
                f" {score.high_precision:.3f} ({score.high_right}/{score.high}),"
                f" link recall {score.link_recall:.3f}{extra}"
            )
            if score.misses:
                print(f"  missed: {' '.join(m.split()[-1] for m in score.misses)}")
            if score.wrong_high:
                print(f"  wrong high: {' '.join(score.wrong_high)}")
    return {
        "top3_recall": totals["parsed"].top3_recall,
        "high_precision": totals["parsed"].high_precision,
        "high_proposals": totals["parsed"].high,
        "top3_recall_gold_segmentation": totals["gold"].top3_recall,
        "high_precision_gold_segmentation": totals["gold"].high_precision,
        "high_proposals_gold_segmentation": totals["gold"].high,
    }


# -- synthetic library ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def phrase_pool(size: int = 4000) -> tuple[str, ...]:
    """Phrases of 3-12 characters from a character-trigram chain over the sample texts."""
    from policyledger.lineage.text import fold, segments

    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt")))
    chains: dict[str, list[str]] = {}
    starts: list[str] = []
    for segment in segments(fold(text, drop_number=False).text):
        if len(segment) < 3:
            continue
        starts.append(segment[:2])
        for i in range(len(segment) - 2):
            chains.setdefault(segment[i : i + 2], []).append(segment[i + 2])
    rng = random.Random(20260101)
    pool: set[str] = set()
    while len(pool) < size:
        phrase = rng.choice(starts)
        target = rng.randint(3, 12)
        while len(phrase) < target and phrase[-2:] in chains:
            phrase += rng.choice(chains[phrase[-2:]])
        if len(phrase) >= 3:
            pool.add(phrase)
    return tuple(sorted(pool))


def sentence(rng: random.Random, pool: tuple[str, ...]) -> str:
    parts = [rng.choice(pool) for _ in range(rng.randint(2, 4))]
    roll = rng.random()
    if roll < 0.15:
        parts.append(f"每{rng.choice(pool)[:2]}不超过{rng.randint(2, 500) * 10}万元")
    elif roll < 0.25:
        parts.append(f"比例达到{rng.randint(5, 80)}%")
    return "，".join(parts) + "。"


def measure_text(rng: random.Random, pool: tuple[str, ...], n: int) -> tuple[str, str]:
    heading = rng.choice(pool) + rng.choice(pool)
    body = "".join(sentence(rng, pool) for _ in range(rng.randint(2, 4)))
    return heading, f"（{cn_number(n)}）{heading}。{body}"


def assemble(name: str, title: str, parts: list[tuple[str, str]]) -> Document:
    text = title + "\n"
    measures = []
    for i, (heading, body) in enumerate(parts):
        start = len(text)
        text += body + "\n"
        measures.append(
            Measure(
                id=f"0-{i + 1}",
                part=0,
                number=body[: body.index("）") + 1],
                path=[],
                section=None,
                heading=heading,
                text=body,
                span=(start, start + len(body)),
            )
        )
    return Document(source=Source(name, "", len(text)), title=title, measures=measures)


def synthetic_document(seed: int) -> Document:
    pool = phrase_pool()
    rng = random.Random(seed)
    count = rng.randint(20, 40)
    title = f"关于{rng.choice(pool)}{rng.choice(pool)}的实施意见"
    return assemble(
        f"synthetic-{seed}", title, [measure_text(rng, pool, n) for n in range(1, count + 1)]
    )


def synthetic_child(parents: list[Document], size: int = 50) -> tuple[Document, list[set[int]]]:
    """A child that takes up parent measures (verbatim, rewritten or in part) and adds its own.

    Returns the child and, per child measure, the indexes (into the concatenated parent
    measures) of its true parents; local measures have none.
    """
    pool = phrase_pool()
    rng = random.Random(99)
    flat = [m for doc in parents for m in doc.measures]
    parts, truth = [], []
    for n in range(1, size + 1):
        if rng.random() < 0.2:
            parts.append(measure_text(rng, pool, n))
            truth.append(set())
            continue
        j = rng.randrange(len(flat))
        source = flat[j].text[flat[j].text.index("）") + 1 :]
        sentences = [s for s in source.split("。") if s]
        kept = rng.sample(sentences, k=max(1, len(sentences) // 2))
        # Rewrite: drop or replace one clause in each kept sentence, add a sentence of our own.
        rewritten = []
        for s in kept:
            clauses = s.split("，")
            if len(clauses) > 2 and rng.random() < 0.6:
                clauses[rng.randrange(len(clauses))] = rng.choice(pool)
            rewritten.append("，".join(clauses))
        body = "。".join(rewritten) + "。" + sentence(rng, pool)
        heading = rng.choice(pool)
        parts.append((heading, f"（{cn_number(n)}）{heading}。{body}"))
        truth.append({j})
    return assemble("synthetic-child", "关于落实上级文件的若干措施", parts), truth


def scale(documents: int, processes: int) -> dict[str, float]:
    if not list(SAMPLES.glob("*.txt")):
        fail(f"no sample texts in {SAMPLES} (needed to train the synthetic text generator)")
    phrase_pool()
    index = LineageIndex()
    items = [(f"synthetic-{i}", functools.partial(synthetic_document, i)) for i in range(documents)]
    started = time.perf_counter()
    with Progress(
        TextColumn("建立索引"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("index", total=documents)
        index.build(items, processes=processes, progress=lambda n: bar.advance(task, n))
        index._finish()  # the query-side matrices are part of building the index
    index_seconds = time.perf_counter() - started
    print(f"indexed {len(index)} documents, {index.measures} measures in {index_seconds:.1f} s")

    parents = [synthetic_document(3), synthetic_document(documents // 2)]
    child, truth = synthetic_child(parents)
    offsets = [0, len(parents[0].measures)]
    started = time.perf_counter()
    result = index.propose(child)
    propose_seconds = time.perf_counter() - started
    keys = result.keys
    hits = linked = 0
    for proposal, true in zip(result.proposals, truth, strict=True):
        if not true:
            continue
        linked += 1
        found = set()
        for c in proposal.candidates[:3]:
            key = keys[c.parent.document]
            which = {"synthetic-3": 0, f"synthetic-{documents // 2}": 1}.get(key)
            if which is not None:
                found.add(offsets[which] + c.parent.measure)
        hits += bool(found & true)
    library_recall = hits / linked if linked else 0.0
    print(
        f"50-measure child against the library: {propose_seconds:.2f} s,"
        f" top-3 recall of its true parents {library_recall:.3f} ({hits}/{linked})"
    )

    timings = []
    rng = random.Random(5)
    for _ in range(100):
        doc = synthetic_document(rng.randrange(documents))
        text = rng.choice(doc.measures).text
        t0 = time.perf_counter()
        index.search(text)
        timings.append((time.perf_counter() - t0) * 1000)
    fts_p95 = fts_search(index, rng)
    return {
        "fts_p95_ms": fts_p95,
        "documents": len(index),
        "measures": index.measures,
        "index_seconds": index_seconds,
        "propose_seconds": propose_seconds,
        "search_p95_ms": float(np.percentile(timings, 95)),
        "library_top3_recall": library_recall,
    }


def fts_search(index: LineageIndex, rng: random.Random) -> float:
    """The library page's default full-text search: SQLite FTS5 with the trigram tokenizer over
    every measure text, queried with 2-8 character phrases taken from the texts."""
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(text, tokenize='trigram')")
    texts = [m.text for doc in index.docs for m in doc.measures]
    db.executemany("INSERT INTO fts(text) VALUES (?)", ((t,) for t in texts))
    db.commit()
    timings = []
    for _ in range(100):
        text = rng.choice(texts)
        start = rng.randrange(max(1, len(text) - 8))
        phrase = text[start : start + rng.randint(3, 8)].replace('"', "")
        t0 = time.perf_counter()
        db.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? LIMIT 2000", ['"' + phrase + '"']
        ).fetchall()
        timings.append((time.perf_counter() - t0) * 1000)
    db.close()
    return float(np.percentile(timings, 95))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=1000, help="synthetic library size")
    parser.add_argument("--processes", type=int, default=2, help="indexing worker processes")
    args = parser.parse_args()
    if not DEV.is_dir():
        fail(f"{DEV} is missing (the lineage-dev pairs live in ../shared/lineage-dev)")
    if args.documents < 2:
        fail("--documents must be at least 2")
    figures = accuracy()
    figures.update(scale(args.documents, args.processes))
    for key in (
        "documents",
        "measures",
        "propose_seconds",
        "search_p95_ms",
        "fts_p95_ms",
        "index_seconds",
        "top3_recall",
        "high_precision",
        "high_proposals",
        "top3_recall_gold_segmentation",
        "high_precision_gold_segmentation",
        "high_proposals_gold_segmentation",
        "library_top3_recall",
    ):
        value = figures[key]
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
