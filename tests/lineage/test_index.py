"""The library index: search, proposals across documents, the process pool."""

from __future__ import annotations

import pytest
from lineage_texts import CHILD, PARENT

from policyledger.lineage import LineageIndex

OTHER = [
    "（一）推进老旧小区改造。对2000年以前建成的老旧小区实施改造，重点解决停车、加装电梯等问题。",
    "（二）建设智慧停车设施。在老旧小区试点建设立体停车库，缓解居民停车难问题，每个车位补助2万元。",
    "（三）加强物业管理。推动老旧小区引入专业化物业服务，建立物业服务评价制度。",
]
UNRELATED = [
    "（一）扩大农产品出口。支持企业参加境外展会，对展位费给予50%补贴。",
    "（二）培育外贸新业态。发展跨境电商和海外仓，建设一批跨境电商产业园。",
]


def _library(documents, processes: int = 1) -> LineageIndex:
    index = LineageIndex()
    index.build(
        [
            ("parent", documents("parent", PARENT)),
            ("other", documents("other", OTHER)),
            ("unrelated", documents("unrelated", UNRELATED)),
        ],
        processes=processes,
    )
    return index


def test_search_finds_the_measure_that_shares_the_text(documents) -> None:
    index = _library(documents)
    assert index.measures == len(PARENT) + len(OTHER) + len(UNRELATED)
    key, measure, score = index.search("依托社区食堂设置老年助餐点")[0]
    assert (key, measure) == ("parent", 1) and score > 0


def test_proposals_across_the_library_pick_each_measure_s_own_parent(documents) -> None:
    result = _library(documents).propose(documents("child", CHILD))
    best = [
        (result.keys[p.candidates[0].parent.document], p.candidates[0].parent.number)
        if p.candidates
        else None
        for p in result.proposals
    ]
    assert best[0] == ("parent", "（一）")
    assert best[1] == ("parent", "（二）")
    assert best[3] == ("other", "（二）")  # the parking measure comes from the other document
    assert "unrelated" not in {
        result.keys[c.parent.document] for p in result.proposals for c in p.candidates
    }


def test_cited_parents_are_scored_even_when_the_library_ranks_them_low(documents) -> None:
    index = _library(documents)
    result = index.propose(documents("child", CHILD), parents=["unrelated"], documents=0)
    assert result.keys == ["unrelated"]


def test_excluded_documents_are_left_out(documents) -> None:
    index = _library(documents)
    result = index.propose(documents("child", CHILD), exclude=["parent"])
    assert "parent" not in result.keys


def test_the_process_pool_builds_the_same_index(documents) -> None:
    one, two = _library(documents, 1), _library(documents, 2)
    text = CHILD[1]
    assert one.search(text) == two.search(text)
    assert (one.df == two.df).all()


def test_a_key_is_indexed_once(documents) -> None:
    index = _library(documents)
    with pytest.raises(ValueError, match="已在索引中"):
        index.add("parent", documents("parent", PARENT))


def test_documents_added_later_are_found(documents) -> None:
    index = _library(documents)
    index.search("任意文字")
    index.add("late", documents("late", ["（一）开展社区文化活动。每季度组织一次邻里节活动。"]))
    assert index.search("每季度组织一次邻里节活动")[0][0] == "late"


def test_an_empty_library_proposes_nothing(documents) -> None:
    result = LineageIndex().propose(documents("child", CHILD))
    assert all(p.candidates == [] for p in result.proposals)
    assert LineageIndex().search("养老") == []


def test_batched_signatures_equal_datasketch_minhash() -> None:
    import numpy as np
    from datasketch import MinHash

    from policyledger.lineage import features
    from policyledger.lineage.index import NUM_PERM, SEED, SHINGLE, signatures

    texts = [
        "每个街道至少建成1个综合性社区养老服务中心，提供日间照料",
        "依托社区食堂设置老年助餐点",
        "短",
    ]
    batched = signatures(texts)
    for text, row in zip(texts, batched, strict=True):
        hashes = features.gram_hashes(features.content_only(text), SHINGLE) & np.uint64(0xFFFFFFFF)
        expected = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="legacy", hashfunc=int)
        if len(hashes):
            expected.update_batch(list(hashes))
        assert (expected.hashvalues == row).all()
