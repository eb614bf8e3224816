"""Validate and evaluate GoRules JSON Decision Models with zen-engine, with an explained result.

``evaluate(jdm, inputs)`` returns a :class:`Decision`: the amount in integer fen (read from zen's
exact decimal text, never through a float), eligibility, the Chinese reason, the cap that bound, the
trace (which table rows matched) and every output. Compiled zen decisions are cached by the JDM's
content hash, so repeated calls pay only zen's own per-call cost.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import zen

from policyledger.rules.errors import RuleError
from policyledger.rules.money import decimal_text_to_fen

# Node types zen-engine knows; the ones we accept in a rule are the first four (no code nodes: an
# officer's rule must stay a readable table, and function nodes would run JavaScript).
SUPPORTED_NODE_TYPES = ("inputNode", "outputNode", "decisionTableNode", "expressionNode")
KNOWN_NODE_TYPES = (
    *SUPPORTED_NODE_TYPES,
    "switchNode",
    "functionNode",
    "decisionNode",
    "customNode",
)
HIT_POLICIES = ("first", "collect")
EXACT_NODE_ID = "__exact__"
EXACT_PREFIX = "__exact_"

NODE_TYPE_ZH = {
    "inputNode": "输入节点",
    "outputNode": "输出节点",
    "decisionTableNode": "决策表",
    "expressionNode": "表达式节点",
}


@dataclass(frozen=True)
class Decision:
    """One explained decision. ``amount_fen`` is integer fen; ``outputs`` holds no float."""

    amount_fen: int
    eligible: bool
    reason: str
    cap_applied: str | None
    trace: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "amount_fen": self.amount_fen,
            "eligible": self.eligible,
            "reason": self.reason,
            "cap_applied": self.cap_applied,
            "trace": self.trace,
            "outputs": _jsonable(self.outputs),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _node_label(node: dict[str, Any]) -> str:
    kind = NODE_TYPE_ZH.get(str(node.get("type")), "节点")
    name = node.get("name") or node.get("id")
    return f"{kind}「{name}」"


def _check_expression(node: dict, where: str, text: Any, unary: bool) -> None:
    if not isinstance(text, str):
        raise RuleError(
            node.get("id"), f"{_node_label(node)}{where}：表达式必须是文本，实际为 {text!r}"
        )
    if not text.strip():
        if unary:
            return  # an empty condition cell matches anything
        raise RuleError(node.get("id"), f"{_node_label(node)}{where}：表达式不能为空")
    try:
        if unary:
            zen.compile_unary_expression(text)
        else:
            zen.compile_expression(text)
    except Exception as exc:  # zen raises a RuntimeError carrying JSON
        detail = str(exc).split("\n", 1)[0]
        with contextlib.suppress(ValueError, AttributeError):
            detail = json.loads(detail).get("source", detail)
        raise RuleError(
            node.get("id"), f"{_node_label(node)}{where}：表达式「{text}」有误（{detail}）"
        ) from None


def _validate_table(node: dict[str, Any]) -> None:
    content = node.get("content")
    nid = node.get("id")
    label = _node_label(node)
    if not isinstance(content, dict):
        raise RuleError(nid, f"{label}缺少 content")
    if content.get("hitPolicy") not in HIT_POLICIES:
        raise RuleError(
            nid, f"{label}的命中策略必须是 first 或 collect，实际为 {content.get('hitPolicy')!r}"
        )
    columns: dict[str, str] = {}
    for kind in ("inputs", "outputs"):
        cols = content.get(kind)
        if not isinstance(cols, list) or (kind == "outputs" and not cols):
            raise RuleError(nid, f"{label}缺少{'条件列' if kind == 'inputs' else '结果列'}")
        for col in cols:
            if not isinstance(col, dict) or not col.get("id"):
                raise RuleError(nid, f"{label}有一列缺少 id")
            if kind == "outputs" and not col.get("field"):
                raise RuleError(nid, f"{label}的结果列「{col.get('name') or col['id']}」缺少字段名")
            if col["id"] in columns:
                raise RuleError(nid, f"{label}的列 id 重复：{col['id']}")
            columns[col["id"]] = kind
    rules = content.get("rules")
    if not isinstance(rules, list):
        raise RuleError(nid, f"{label}缺少规则行")
    names = {
        c["id"]: (c.get("name") or c.get("field") or c["id"])
        for k in ("inputs", "outputs")
        for c in content[k]
    }
    for i, row in enumerate(rules, start=1):
        if not isinstance(row, dict):
            raise RuleError(nid, f"{label}第{i}行不是对象")
        for col_id, kind in columns.items():
            cell = row.get(col_id, "")
            where = f"第{i}行「{names[col_id]}」列"
            _check_expression(node, where, cell, unary=kind == "inputs")
        for key in row:
            if key != "_id" and not key.startswith("_") and key not in columns:
                raise RuleError(nid, f"{label}第{i}行引用了不存在的列 {key}")


def _validate_expression_node(node: dict[str, Any]) -> None:
    content = node.get("content")
    nid = node.get("id")
    label = _node_label(node)
    if not isinstance(content, dict) or not isinstance(content.get("expressions"), list):
        raise RuleError(nid, f"{label}缺少 expressions 列表")
    for i, expr in enumerate(content["expressions"], start=1):
        if not isinstance(expr, dict) or not expr.get("key"):
            raise RuleError(nid, f"{label}第{i}个表达式缺少字段名 key")
        _check_expression(node, f"字段「{expr['key']}」", expr.get("value"), unary=False)


def _structure(jdm: Any) -> tuple[dict[str, dict], list[dict]]:
    if not isinstance(jdm, dict):
        raise RuleError(None, "规则必须是 JSON 对象（JDM），包含 nodes 和 edges")
    nodes, edges = jdm.get("nodes"), jdm.get("edges")
    if not isinstance(nodes, list) or not nodes:
        raise RuleError(None, "规则缺少 nodes 节点列表")
    if not isinstance(edges, list):
        raise RuleError(None, "规则缺少 edges 连线列表")
    by_id: dict[str, dict] = {}
    for i, node in enumerate(nodes, start=1):
        if not isinstance(node, dict) or not isinstance(node.get("id"), str) or not node["id"]:
            raise RuleError(None, f"第{i}个节点缺少 id")
        nid = node["id"]
        if nid in by_id:
            raise RuleError(nid, f"节点 id 重复：{nid}")
        if nid.startswith("__"):
            raise RuleError(nid, f"节点 id 不能以 __ 开头（保留给系统）：{nid}")
        if not isinstance(node.get("name"), str) or not node["name"].strip():
            raise RuleError(nid, f"节点 {nid} 缺少名称 name")
        ntype = node.get("type")
        if ntype not in KNOWN_NODE_TYPES:
            raise RuleError(nid, f"节点「{node.get('name') or nid}」的类型未知：{ntype!r}")
        if ntype not in SUPPORTED_NODE_TYPES:
            raise RuleError(
                nid,
                f"节点「{node.get('name') or nid}」的类型 {ntype} 不允许用于补贴规则"
                "（只允许输入、决策表、表达式、输出节点）",
            )
        by_id[nid] = node
    for i, edge in enumerate(edges, start=1):
        if not isinstance(edge, dict):
            raise RuleError(None, f"第{i}条连线不是对象")
        if not isinstance(edge.get("id"), str) or not edge["id"]:
            raise RuleError(edge.get("targetId"), f"第{i}条连线缺少 id")
        for end in ("sourceId", "targetId"):
            if edge.get(end) not in by_id:
                raise RuleError(edge.get(end), f"第{i}条连线指向不存在的节点：{edge.get(end)!r}")
    inputs = [n for n in by_id.values() if n["type"] == "inputNode"]
    outputs = [n for n in by_id.values() if n["type"] == "outputNode"]
    if len(inputs) != 1:
        raise RuleError(None, f"规则必须恰有一个输入节点，实际 {len(inputs)} 个")
    if len(outputs) != 1:
        raise RuleError(None, f"规则必须恰有一个输出节点，实际 {len(outputs)} 个")
    return by_id, edges


def topological_order(jdm: dict[str, Any]) -> list[dict[str, Any]]:
    """Nodes from the input node to the output node; a cycle or an unreachable node is an error."""
    by_id, edges = _structure(jdm)
    incoming: dict[str, set[str]] = {nid: set() for nid in by_id}
    outgoing: dict[str, set[str]] = {nid: set() for nid in by_id}
    for edge in edges:
        incoming[edge["targetId"]].add(edge["sourceId"])
        outgoing[edge["sourceId"]].add(edge["targetId"])
    order: list[str] = []
    ready = sorted(nid for nid, src in incoming.items() if not src)
    pending = {nid: set(src) for nid, src in incoming.items()}
    while ready:
        nid = ready.pop(0)
        order.append(nid)
        for nxt in sorted(outgoing[nid]):
            pending[nxt].discard(nid)
            if not pending[nxt] and nxt not in order and nxt not in ready:
                ready.append(nxt)
    if len(order) != len(by_id):
        stuck = sorted(set(by_id) - set(order))[0]
        raise RuleError(stuck, f"节点「{by_id[stuck].get('name') or stuck}」处于循环连线中")
    for nid in order:
        node = by_id[nid]
        if node["type"] != "inputNode" and not incoming[nid]:
            raise RuleError(nid, f"{_node_label(node)}没有上游连线，输入到不了它")
        if node["type"] != "outputNode" and not outgoing[nid]:
            raise RuleError(nid, f"{_node_label(node)}没有下游连线，结果到不了输出节点")
    return [by_id[nid] for nid in order]


# Bounded caches (what-if editing creates many scenario JDMs): oldest entries are dropped.
CACHE_SIZE = 512
_VALID_CACHE: OrderedDict[str, bool] = OrderedDict()


def _remember(cache: OrderedDict[str, Any], key: str, value: Any) -> None:
    with _LOCK:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)


_LOCK = threading.RLock()
_CONTENTS: OrderedDict[str, Any] = OrderedDict()


def _load(key: str) -> Any:
    """zen-engine's loader: the exact-money JDM content stored under its hash by zen_key()."""
    return _CONTENTS[key]


# ``ZenEngine.evaluate(key, ...)`` through a loader costs a few microseconds a call in zen-engine 2.1,
# where ``ZenDecision.evaluate`` costs about half a millisecond (measured: docs/dependencies.md).
_ENGINE = zen.ZenEngine({"loader": _load})


def jdm_key(jdm: dict[str, Any]) -> str:
    """Content hash of a JDM (canonical JSON)."""
    text = json.dumps(jdm, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _fingerprint(jdm: dict[str, Any]) -> str:
    """Cache key of a JDM's content: pickle + blake2b is ~10x cheaper than canonical JSON, and an
    equal JDM written in another key order only costs a cache miss."""
    return hashlib.blake2b(pickle.dumps(jdm, protocol=5), digest_size=20).hexdigest()


def validate_jdm(jdm: dict[str, Any]) -> None:
    """Raise :class:`RuleError` naming the wrong node; return None when zen-engine can run it."""
    try:
        key = _fingerprint(jdm) if isinstance(jdm, dict) else None
    except (pickle.PicklingError, TypeError, AttributeError):
        key = None
    if key and key in _VALID_CACHE:
        return
    for node in topological_order(jdm):
        if node["type"] == "decisionTableNode":
            _validate_table(node)
        elif node["type"] == "expressionNode":
            _validate_expression_node(node)
    try:
        decision = _ENGINE.create_decision(json.dumps(jdm))
        decision.validate()
    except Exception as exc:
        detail = str(exc).split("\n", 1)[0]
        node_id = None
        try:
            parsed = json.loads(detail)
            node_id = parsed.get("nodeId")
            detail = parsed.get("source", detail)
        except (ValueError, AttributeError):
            pass
        raise RuleError(node_id, f"规则无法被引擎加载：{detail}") from None
    if key:
        _remember(_VALID_CACHE, key, True)


def _produced_fields(jdm: dict[str, Any]) -> set[str]:
    fields: set[str] = set()
    for node in jdm["nodes"]:
        content = node.get("content") or {}
        if content.get("outputPath"):
            fields.add(str(content["outputPath"]).split(".")[0])
        for col in content.get("outputs", []) if node["type"] == "decisionTableNode" else []:
            fields.add(str(col.get("field", "")).split(".")[0])
        for expr in content.get("expressions", []) if node["type"] == "expressionNode" else []:
            fields.add(str(expr.get("key", "")).split(".")[0])
    return fields


def money_fields(jdm: dict[str, Any]) -> list[str]:
    """Top-level output fields whose names end in ``_fen`` (read back exactly)."""
    found: list[str] = []
    for node in jdm["nodes"]:
        content = node.get("content") or {}
        if node["type"] == "decisionTableNode":
            if content.get("outputPath"):
                continue
            keys = [c.get("field", "") for c in content.get("outputs", [])]
        elif node["type"] == "expressionNode":
            if content.get("outputPath"):
                continue
            keys = [e.get("key", "") for e in content.get("expressions", [])]
        else:
            continue
        for k in keys:
            if k.endswith("_fen") and "." not in k and k not in found:
                found.append(k)
    if "amount_fen" not in found:
        found.append("amount_fen")
    return found


def _with_exact_node(jdm: dict[str, Any]) -> dict[str, Any]:
    """Insert a pass-through node before the output that turns every money field into exact text."""
    out = copy.deepcopy(jdm)
    output_id = next(n["id"] for n in out["nodes"] if n["type"] == "outputNode")
    exprs = [
        {"id": f"x{i}", "key": f"{EXACT_PREFIX}{name}", "value": f"string({name})"}
        for i, name in enumerate(money_fields(jdm))
    ]
    out["nodes"].append(
        {
            "id": EXACT_NODE_ID,
            "type": "expressionNode",
            "name": "精确金额",
            "position": {"x": 0, "y": 0},
            "content": {
                "expressions": exprs,
                "passThrough": True,
                "inputField": None,
                "outputPath": None,
                "executionMode": "single",
            },
        }
    )
    for edge in out["edges"]:
        if edge["targetId"] == output_id:
            edge["targetId"] = EXACT_NODE_ID
    out["edges"].append(
        {"id": "__exact_edge__", "sourceId": EXACT_NODE_ID, "targetId": output_id, "type": "edge"}
    )
    return out


def zen_key(jdm: dict[str, Any]) -> str:
    """Validate (once) and register a JDM for the engine's loader; returns its key."""
    key = _fingerprint(jdm)
    if key not in _CONTENTS:
        validate_jdm(jdm)
        content = zen.ZenDecisionContent(json.dumps(_with_exact_node(jdm)))
        with _LOCK:
            _remember(_CONTENTS, key, content)
    return key


def check_inputs(inputs: Any) -> None:
    """Inputs are JSON-like with no float anywhere (money is integer fen)."""
    if not isinstance(inputs, dict):
        raise RuleError(None, "输入必须是 JSON 对象")
    stack: list[tuple[str, Any]] = [(k, v) for k, v in inputs.items()]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float):
            raise RuleError(
                None, f"输入 {path} 是浮点数 {value!r}：金额请用整数分，比率请用字符串或 Decimal"
            )
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))


def _plain(value: Any) -> Any:
    """zen returns numbers as float; keep them as Decimal of their shortest text (no float leaks)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _dumps_exact(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise RuleError(None, f"输入数值无效：{value}")
        return format(value, "f")
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(str(k), ensure_ascii=False)}:{_dumps_exact(v)}"
                for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(_dumps_exact(v) for v in value) + "]"
    raise RuleError(None, f"不支持的输入类型：{type(value).__name__}")


def _trace_list(jdm: dict[str, Any], raw: dict[str, Any]) -> list[dict[str, Any]]:
    by_id = {n["id"]: n for n in jdm["nodes"]}
    items = sorted(
        (v for k, v in raw.items() if k != EXACT_NODE_ID), key=lambda t: t.get("order", 0)
    )
    steps: list[dict[str, Any]] = []
    for item in items:
        node = by_id.get(item.get("id"), {})
        step: dict[str, Any] = {
            "node_id": item.get("id"),
            "node_name": item.get("name"),
            "type": node.get("type"),
        }
        if node.get("type") == "decisionTableNode":
            data = item.get("traceData")
            hits = data if isinstance(data, list) else ([data] if data else [])
            rows = node["content"]["rules"]
            step["hit_policy"] = node["content"]["hitPolicy"]
            step["matched"] = [
                {
                    "row": hit["index"] + 1,
                    "rule_id": hit.get("rule", {}).get("_id") or rows[hit["index"]].get("_id"),
                    "description": rows[hit["index"]].get("_description", ""),
                    "conditions": {
                        str(col.get("name") or col.get("field")): rows[hit["index"]].get(col["id"])
                        for col in node["content"]["inputs"]
                        if str(rows[hit["index"]].get(col["id"], "")).strip()
                    },
                    "results": {
                        str(col.get("name") or col.get("field")): rows[hit["index"]].get(col["id"])
                        for col in node["content"]["outputs"]
                    },
                }
                for hit in hits
                if isinstance(hit, dict) and "index" in hit
            ]
            step["output"] = _jsonable(_plain(item.get("output")))
        elif node.get("type") == "expressionNode":
            step["output"] = _jsonable(_plain(item.get("output")))
        steps.append(step)
    return steps


def evaluate(jdm: dict[str, Any], inputs: dict[str, Any], *, trace: bool = True) -> Decision:
    """Evaluate one rule on one set of inputs with zen-engine.

    Inputs: money as integer fen (``*_fen``), rates/other decimals as ``Decimal`` or text, never float.
    Outputs read: ``amount_fen`` (integer fen, exact), ``eligible`` (defaults to amount > 0),
    ``reason``, ``cap_applied``.
    """
    check_inputs(inputs)
    key = zen_key(jdm)
    context = _dumps_exact(inputs)
    try:
        try:
            response = _ENGINE.evaluate(key, context, {"trace": trace})
        except Exception:
            if key in _CONTENTS:
                raise
            key = zen_key(jdm)  # dropped from the bounded cache meanwhile: register again
            response = _ENGINE.evaluate(key, context, {"trace": trace})
    except Exception as exc:
        raise _zen_error(exc) from None
    return _decision(jdm, inputs, response, trace)


def _zen_error(exc: Any) -> RuleError:
    """zen-engine's error (JSON text with nodeId and source) as a RuleError naming the node."""
    detail = str(exc).split("\n", 1)[0]
    node_id = None
    try:
        parsed = exc if isinstance(exc, dict) else json.loads(detail)
        if isinstance(parsed, dict):
            node_id = parsed.get("nodeId")
            detail = parsed.get("source", detail)
    except (ValueError, AttributeError):
        pass
    return RuleError(node_id, f"规则计算出错：{detail}")


def _decision(
    jdm: dict[str, Any], inputs: dict[str, Any], response: dict[str, Any], trace: bool
) -> Decision:
    """A Decision from zen's response: money from the exact text, no float left in outputs."""
    result: dict[str, Any] = response["result"]
    exact = {
        k[len(EXACT_PREFIX) :]: result.pop(k) for k in list(result) if k.startswith(EXACT_PREFIX)
    }
    outputs = _plain(result)
    produced = _produced_fields(jdm)
    for name, value in inputs.items():
        if name in outputs and name not in produced:
            outputs[name] = value  # passed through: the caller's exact value, not zen's float
    for name, text in exact.items():
        if text == "null" or text is None:
            outputs[name] = None
            continue
        outputs[name] = decimal_text_to_fen(str(text), name)
    amount = outputs.get("amount_fen")
    if amount is None:
        amount = 0
    eligible = outputs.get("eligible")
    eligible = bool(amount > 0) if eligible is None else bool(eligible)
    if not eligible:
        amount = 0
    reason = outputs.get("reason")
    cap = outputs.get("cap_applied")
    return Decision(
        amount_fen=int(amount),
        eligible=eligible,
        reason=str(reason) if reason is not None else ("符合条件" if eligible else "不符合条件"),
        cap_applied=str(cap) if cap else None,
        trace=_trace_list(jdm, response.get("trace") or {}) if trace else [],
        outputs=outputs,
    )


def evaluate_many(
    jdms: list[dict[str, Any]], inputs: dict[str, Any], *, trace: bool = False
) -> list[Decision | RuleError]:
    """One profile against many rules in one zen-engine batch (the calculator's case): a Decision
    per rule, or the RuleError of a rule that could not be evaluated on these inputs."""
    check_inputs(inputs)
    context = _dumps_exact(inputs)
    keys: list[str | RuleError] = []
    for jdm in jdms:
        try:
            keys.append(zen_key(jdm))
        except RuleError as exc:
            keys.append(exc)
    requests = [{"key": k, "context": context} for k in keys if isinstance(k, str)]
    try:
        responses = iter(_ENGINE.evaluate_batch(requests, {"trace": trace}))
    except Exception:  # a key dropped from the bounded cache meanwhile: one by one instead
        return [
            k if isinstance(k, RuleError) else _evaluate_or_error(j, inputs, trace)
            for j, k in zip(jdms, keys, strict=True)
        ]
    out: list[Decision | RuleError] = []
    for jdm, key in zip(jdms, keys, strict=True):
        if isinstance(key, RuleError):
            out.append(key)
            continue
        res = next(responses)
        if not res.get("success"):
            error = res.get("error")
            if isinstance(error, dict) and error.get("type") == "LoaderError":
                out.append(_evaluate_or_error(jdm, inputs, trace))  # evicted meanwhile
            else:
                out.append(_zen_error(error))
            continue
        try:
            out.append(_decision(jdm, inputs, res["data"], trace))
        except RuleError as exc:
            out.append(exc)
    return out


def _evaluate_or_error(
    jdm: dict[str, Any], inputs: dict[str, Any], trace: bool
) -> Decision | RuleError:
    try:
        return evaluate(jdm, inputs, trace=trace)
    except RuleError as exc:
        return exc
