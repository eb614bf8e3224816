"""Small JDM builders for the rules tests (hand-written rules, not the templates)."""

from __future__ import annotations


def node(node_id: str, node_type: str, content: dict | None = None, name: str = "") -> dict:
    out = {"id": node_id, "type": node_type, "name": name or node_id, "position": {"x": 0, "y": 0}}
    if content is not None:
        out["content"] = content
    return out


def chain(*middle: dict) -> dict:
    nodes = [node("in", "inputNode"), *middle, node("out", "outputNode")]
    edges = [
        {"id": f"e{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
        for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False))
    ]
    return {"nodes": nodes, "edges": edges}


def expr_node(node_id: str, *items: tuple[str, str]) -> dict:
    return node(
        node_id,
        "expressionNode",
        {
            "passThrough": True,
            "inputField": None,
            "outputPath": None,
            "executionMode": "single",
            "expressions": [
                {"id": f"x{i}", "key": k, "value": v} for i, (k, v) in enumerate(items)
            ],
        },
    )


def table_node(node_id, inputs, outputs, rows, hit="first", output_path=None) -> dict:
    return node(
        node_id,
        "decisionTableNode",
        {
            "hitPolicy": hit,
            "passThrough": True,
            "inputField": None,
            "outputPath": output_path,
            "executionMode": "single",
            "inputs": [{"id": f"i_{f}", "name": f, "field": f} for f in inputs],
            "outputs": [{"id": f"o_{f}", "name": f, "field": f} for f in outputs],
            "rules": [
                {
                    "_id": f"r{n}",
                    **{f"i_{f}": c for f, c in zip(inputs, conds, strict=True)},
                    **{f"o_{f}": o for f, o in zip(outputs, outs, strict=True)},
                }
                for n, (conds, outs) in enumerate(rows, start=1)
            ],
        },
    )


ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
JINAN_FILE = ROOT / "src" / "policyledger" / "rules" / "data" / "jinan-appliance-tradein-2025.json"
SHARED = ROOT.parent / "shared" / "lineage-dev"
