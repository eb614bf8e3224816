"""Compile the supported JDM subset to vectorised numpy, for a whole population at once.

Supported: a chain input -> nodes -> output of decision tables (hit policy ``first``; ``collect``
with an ``outputPath`` read downstream as ``sum(map(path, #.field))`` or ``len(path)``) and
expression nodes; conditions that are literals, lists of literals, comparisons with a number and
ranges ``[a..b]``; expressions with ``+ - * %``, division by a power of ten, comparisons,
``and or not``, ``c ? a : b``, ``??``, ``min([..])``, ``max([..])``, ``round``, ``floor``, ``ceil``,
``trunc``, ``abs``, ``$.key`` and string concatenation. Anything else raises :class:`RuleError`
saying which node and construct, so a rule is either compiled exactly or refused.

Numbers are exact fixed point: an int64 array ``v`` with a decimal scale ``s`` meaning ``v / 10**s``
(``0.15`` is ``15`` at scale 2). Products add scales; ``round`` goes back to scale 0 half away from
zero, exactly as zen-engine's decimal ``round``. Every step checks the int64 range on the actual
maxima and refuses rather than wrap. Strings are categorical (small int codes plus their texts), so
a 10-million-row table of categories compares as integers.

Only the outputs asked for are computed (lazily, by field), so a what-if that needs
``amount_fen`` and ``eligible`` never builds reason texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from policyledger.rules.engine import topological_order, validate_jdm
from policyledger.rules.errors import RuleError

INT64_SAFE = 2**62


# --- values ---------------------------------------------------------------------------------


@dataclass
class Num:
    v: Any  # np.ndarray[int64] or python int
    s: int  # decimal scale
    # True while ``s`` is also the scale zen-engine's decimal would carry (it shows in string()):
    # literals, inputs, + - * and rounding keep it; division, min/max and branch merges may not.
    exact: bool = True
    # Known range of the scaled values (lo <= v <= hi), propagated through each operation so the
    # int64 guard and the sign tests cost no pass over the data; None until first needed.
    lo: int | None = None
    hi: int | None = None


@dataclass
class Bool:
    v: Any  # np.ndarray[bool] or python bool


@dataclass
class Str:
    """Categorical text: ``codes`` (array or int) index ``cats``; a None category is null."""

    codes: Any
    cats: list[str | None]


@dataclass
class Null:
    pass


@dataclass
class Collected:
    """The rows a collect table matched: one mask per row and the row's output values."""

    masks: list[Any]
    rows: list[dict[str, Callable[[], Any]]]


Value = Num | Bool | Str | Null | Collected


class Categorical:
    """A text column as codes into ``categories`` (what the population generator produces)."""

    def __init__(self, codes: np.ndarray, categories: Sequence[str]) -> None:
        self.codes = np.asarray(codes)
        self.categories = list(categories)

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def from_values(cls, values: Sequence[str] | np.ndarray) -> Categorical:
        cats, codes = np.unique(np.asarray(values, dtype=str), return_inverse=True)
        return cls(codes.astype(np.int32), [str(c) for c in cats])

    def take(self, index: Any) -> Categorical:
        return Categorical(self.codes[index], self.categories)

    def values(self) -> list[str]:
        return [self.categories[c] for c in self.codes]


def _maxabs(v: Any) -> int:
    if isinstance(v, np.ndarray):
        if v.size == 0:
            return 0
        return max(abs(int(v.max())), abs(int(v.min())))
    return abs(int(v))


def _guard(bound: int, where: str) -> None:
    if bound >= INT64_SAFE:
        raise RuleError(where, "数值超出精确计算范围（int64），请缩小金额或比例的位数")


def _rng(x: Num) -> tuple[int, int]:
    """The value range of ``x`` (scaled units), measured once if not known from the operations."""
    if x.lo is None or x.hi is None:
        v = x.v
        if isinstance(v, np.ndarray):
            x.lo, x.hi = (int(v.min()), int(v.max())) if v.size else (0, 0)
        else:
            x.lo = x.hi = int(v)
    return x.lo, x.hi


def _num(v: Any, s: int, lo: int, hi: int, where: str, exact: bool = True) -> Num:
    _guard(max(abs(lo), abs(hi)), where)
    return Num(v, s, exact, lo, hi)


def _rescale(x: Num, s: int, where: str) -> Any:
    if s == x.s:
        return x.v
    f = 10 ** (s - x.s)
    lo, hi = _rng(x)
    _guard(max(abs(lo), abs(hi)) * f, where)
    return x.v * f


def _align(a: Num, b: Num, where: str) -> tuple[Any, Any, int]:
    s = max(a.s, b.s)
    return _rescale(a, s, where), _rescale(b, s, where), s


def _scaled_rng(x: Num, s: int) -> tuple[int, int]:
    lo, hi = _rng(x)
    f = 10 ** (s - x.s)
    return lo * f, hi * f


def _round_to(x: Num, d: int, mode: str) -> Num:
    if x.s <= d:
        return x
    q = 10 ** (x.s - d)
    v = x.v
    lo, hi = _rng(x)
    new_lo, new_hi = lo // q - 1, hi // q + 1
    if mode == "round" and lo >= 0:  # no sign handling needed
        return Num((v + q // 2) // q, d, True, max(new_lo, 0), new_hi)
    if mode == "floor" and isinstance(v, np.ndarray):
        return Num(v // q, d, True, new_lo, new_hi)
    if mode == "round":  # half away from zero
        a = abs(v) if not isinstance(v, np.ndarray) else np.abs(v)
        r = (a + q // 2) // q
        out = np.where(v < 0, -r, r) if isinstance(v, np.ndarray) else (-r if v < 0 else r)
    elif mode == "floor":
        out = v // q
    elif mode == "ceil":
        out = -((-v) // q)
    else:  # trunc
        a = abs(v) if not isinstance(v, np.ndarray) else np.abs(v)
        r = a // q
        out = np.where(v < 0, -r, r) if isinstance(v, np.ndarray) else (-r if v < 0 else r)
    return Num(out, d, True, new_lo, new_hi)


def _num_literal(text: str) -> Num:
    dec = Decimal(text)
    sign, digits, exp = dec.as_tuple()
    s = max(0, -int(exp))
    return Num(int(dec.scaleb(s)), s)


def _num_text(v: int, s: int) -> str:
    """zen-engine's string() of a decimal: its digits at its scale (trailing zeros kept)."""
    return format(Decimal(v).scaleb(-s), "f")


def _where(c: Any, a: Value, b: Value, where: str) -> Value:
    if isinstance(a, Num) and isinstance(b, Num):
        x, y, s = _align(a, b, where)
        (alo, ahi), (blo, bhi) = _scaled_rng(a, s), _scaled_rng(b, s)
        return Num(
            np.where(c, x, y), s, a.exact and b.exact and a.s == b.s, min(alo, blo), max(ahi, bhi)
        )
    if isinstance(a, Bool) and isinstance(b, Bool):
        return Bool(np.where(c, a.v, b.v))
    if isinstance(a, Null):
        a = Str(0, [None])
    if isinstance(b, Null):
        b = Str(0, [None])
    if isinstance(a, Str) and isinstance(b, Str):
        return Str(np.where(c, a.codes, np.asarray(b.codes) + len(a.cats)), a.cats + b.cats)
    raise RuleError(where, f"条件表达式两个分支类型不同（{type(a).__name__} / {type(b).__name__}）")


# --- expression parser -----------------------------------------------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>\"[^\"]*\"|'[^']*')|"
    r"(?P<name>[$#]?[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*(?:\.[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*)*|[$#](?:\.[A-Za-z_]\w*)?)|"
    r"(?P<op>\?\?|\.\.|==|!=|<=|>=|[-+*/%<>?:()\[\],!]))"
)


def tokenize(text: str, where: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise RuleError(where, f"表达式「{text}」含不支持向量化的写法（位置 {pos}）")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    out.append(("end", ""))
    return out


class Parser:
    """Pratt parser building a small AST of tuples."""

    BIN = {
        "??": 1,
        "or": 2,
        "and": 3,
        "==": 5,
        "!=": 5,
        "<": 5,
        "<=": 5,
        ">": 5,
        ">=": 5,
        "+": 6,
        "-": 6,
        "*": 7,
        "/": 7,
        "%": 7,
    }

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where
        self.toks = tokenize(text, where)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i]

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.toks[self.i]
        if value is not None and tok[1] != value:
            self.fail(f"此处应为「{value}」")
        self.i += 1
        return tok

    def fail(self, why: str) -> None:
        raise RuleError(self.where, f"表达式「{self.text}」无法向量化：{why}")

    def parse(self) -> tuple:
        node = self.expr(0)
        if self.peek()[0] != "end":
            self.fail(f"多余的「{self.peek()[1]}」")
        return node

    def expr(self, min_prec: int) -> tuple:
        left = self.unary()
        while True:
            kind, tok = self.peek()
            if tok == "?" and min_prec == 0:
                self.take()
                a = self.expr(0)
                self.take(":")
                b = self.expr(0)
                left = ("if", left, a, b)
                continue
            op = tok if kind in ("op", "name") else None
            prec = self.BIN.get(op or "")
            if prec is None or prec < min_prec:
                return left
            self.take()
            right = self.expr(prec + 1)
            left = ("bin", op, left, right)

    def unary(self) -> tuple:
        kind, tok = self.peek()
        if tok == "-" and kind == "op":
            self.take()
            return ("neg", self.unary())
        if tok in ("not", "!"):
            self.take()
            return ("not", self.expr(4))
        return self.primary()

    def primary(self) -> tuple:
        kind, tok = self.take()
        if kind == "num":
            return ("num", tok)
        if kind == "str":
            return ("str", tok[1:-1])
        if tok == "(":
            inner = self.expr(0)
            self.take(")")
            return inner
        if tok == "[":
            items = []
            if self.peek()[1] != "]":
                items.append(self.expr(0))
                while self.peek()[1] == ",":
                    self.take()
                    items.append(self.expr(0))
            self.take("]")
            return ("list", items)
        if kind == "name":
            if tok in ("true", "false"):
                return ("bool", tok == "true")
            if tok == "null":
                return ("null",)
            if self.peek()[1] == "(":
                self.take()
                args = []
                if self.peek()[1] != ")":
                    args.append(self.expr(0))
                    while self.peek()[1] == ",":
                        self.take()
                        args.append(self.expr(0))
                self.take(")")
                return ("call", tok, args)
            return ("ref", tok)
        self.fail(f"不支持的记号「{tok}」")
        raise AssertionError


# --- unary (condition cell) parsing ----------------------------------------------------------

RANGE = re.compile(r"^([\[\(])\s*(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)\s*([\]\)])$")
COMPARE = re.compile(r"^(==|!=|<=|>=|<|>)\s*(.+)$")


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quote, cur = [], 0, "", []
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append("".join(cur))
            cur = []
            i += len(sep)
            continue
        cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return [p.strip() for p in parts]


# --- the compiled rule -----------------------------------------------------------------------


class Scope:
    """Field lookup for one node: its own earlier keys (``$.x``), then upstream nodes, then inputs."""

    def __init__(self, rule: CompiledRule, node_index: int) -> None:
        self.rule = rule
        self.node_index = node_index
        self.own: dict[str, Value] = {}

    def has(self, name: str) -> bool:
        return self.rule.defined_before(name, self.node_index)

    def get(self, name: str, where: str) -> Value:
        if name.startswith("$."):
            key = name[2:]
            if key not in self.own:
                raise RuleError(where, f"表达式引用的 $.{key} 在本节点中尚未计算")
            return self.own[key]
        return self.rule.resolve(name, self.node_index, where)


class CompiledRule:
    """A JDM compiled for numpy. ``run(columns, outputs)`` -> {field: array}."""

    def __init__(self, jdm: dict[str, Any]) -> None:
        validate_jdm(jdm)
        self.jdm = jdm
        self.nodes = topological_order(jdm)
        incoming: dict[str, int] = {n["id"]: 0 for n in self.nodes}
        for e in jdm["edges"]:
            incoming[e["targetId"]] += 1
        for node in self.nodes:
            if incoming[node["id"]] > 1:
                raise RuleError(
                    node["id"], f"节点「{node.get('name')}」有多条上游连线：向量化只支持单链"
                )
        outgoing: dict[str, int] = {n["id"]: 0 for n in self.nodes}
        for e in jdm["edges"]:
            outgoing[e["sourceId"]] += 1
        for node in self.nodes:
            if outgoing[node["id"]] > 1:
                raise RuleError(
                    node["id"], f"节点「{node.get('name')}」有多条下游连线：向量化只支持单链"
                )
        self.defs: list[dict[str, Any]] = []
        self.pass_through: list[bool] = []
        for node in self.nodes:
            self.defs.append(self._defs(node))
            content = node.get("content") or {}
            self.pass_through.append(
                node["type"] in ("inputNode", "outputNode") or bool(content.get("passThrough"))
            )
        self.ast_cache: dict[str, tuple] = {}
        # Parse everything now, so an unsupported construct is refused at compile time.
        for node in self.nodes:
            self._precheck(node)

    # structure ------------------------------------------------------------------------------

    def _defs(self, node: dict[str, Any]) -> dict[str, Any]:
        content = node.get("content") or {}
        nid = node["id"]
        if node["type"] in ("inputNode", "outputNode"):
            return {}
        if content.get("executionMode", "single") not in ("single", None):
            raise RuleError(nid, f"节点「{node.get('name')}」的循环执行模式不支持向量化")
        if content.get("inputField"):
            raise RuleError(nid, f"节点「{node.get('name')}」的 inputField 不支持向量化")
        if node["type"] == "expressionNode":
            if content.get("outputPath"):
                raise RuleError(nid, f"节点「{node.get('name')}」的 outputPath 不支持向量化")
            return {e["key"]: ("expr", e["key"]) for e in content["expressions"]}
        if node["type"] == "decisionTableNode":
            if content["hitPolicy"] == "collect":
                path = content.get("outputPath")
                if not path:
                    raise RuleError(
                        nid, f"collect 决策表「{node.get('name')}」需设置 outputPath 才能向量化"
                    )
                return {path: ("collect",)}
            if content.get("outputPath"):
                raise RuleError(nid, f"决策表「{node.get('name')}」的 outputPath 不支持向量化")
            return {o["field"]: ("table", o["id"]) for o in content["outputs"]}
        raise RuleError(nid, f"节点类型 {node['type']} 不支持向量化")

    def _precheck(self, node: dict[str, Any]) -> None:
        content = node.get("content") or {}
        if node["type"] == "expressionNode":
            for e in content["expressions"]:
                self._ast(e["value"], node["id"])
        elif node["type"] == "decisionTableNode":
            for row in content["rules"]:
                for col in content["inputs"]:
                    self._unary_parts(row.get(col["id"], ""), node["id"])
                for col in content["outputs"]:
                    text = row.get(col["id"], "")
                    if str(text).strip():
                        self._ast(text, node["id"])

    def _ast(self, text: str, where: str) -> tuple:
        ast = self.ast_cache.get(text)
        if ast is None:
            ast = Parser(text, where).parse()
            self.ast_cache[text] = ast
        return ast

    def _unary_parts(self, text: str, where: str) -> list[list[tuple]]:
        """A cell as OR of AND-groups of (op, literal-ast) or ("range", lo, hi, lo_incl, hi_incl)."""
        text = (text or "").strip()
        if not text:
            return []
        alts = []
        for alt in _split_top(text, ","):
            group = []
            for part in _split_top(alt, " and "):
                m = RANGE.match(part)
                if m:
                    group.append(
                        (
                            "range",
                            Decimal(m.group(2)),
                            Decimal(m.group(3)),
                            m.group(1) == "[",
                            m.group(4) == "]",
                        )
                    )
                    continue
                m = COMPARE.match(part)
                op, lit_text = (m.group(1), m.group(2)) if m else ("==", part)
                ast = Parser(lit_text, where).parse()
                if ast[0] not in ("num", "str", "bool", "null") and not (
                    ast[0] == "neg" and ast[1][0] == "num"
                ):
                    raise RuleError(where, f"条件「{text}」无法向量化：比较对象须为常量")
                group.append((op, ast))
            alts.append(group)
        return alts

    def defined_before(self, name: str, index: int) -> bool:
        for i in range(index - 1, -1, -1):
            if name in self.defs[i]:
                return True
            if not self.pass_through[i]:
                return False
        return name in self._columns

    # evaluation -----------------------------------------------------------------------------

    def run(
        self, columns: dict[str, Any], outputs: Sequence[str] = ("amount_fen", "eligible")
    ) -> dict[str, Any]:
        """Evaluate for every row of ``columns`` (equal-length arrays; text as :class:`Categorical`
        or a str array; numbers as integer arrays) and return the ``outputs`` asked for:
        numbers as int64 arrays (scale 0 required), booleans, texts as :class:`Categorical`."""
        self._columns: dict[str, Value] = {}
        self._memo: dict[tuple[int, str], Value] = {}
        self._sel: dict[int, Any] = {}
        n = None
        for name, col in columns.items():
            val = self._input_value(name, col)
            self._columns[name] = val
            length = len(col)
            if n is not None and length != n:
                raise RuleError(None, f"输入列长度不一致：{name}")
            n = length
        self.n = n or 0
        end = len(self.nodes) - 1
        result: dict[str, Any] = {}
        for name in outputs:
            val = self.resolve(name, end, self.nodes[end]["id"])
            result[name] = self._export(name, val)
        return result

    def _input_value(self, name: str, col: Any) -> Value:
        if isinstance(col, Categorical):
            return Str(col.codes, col.categories)
        arr = np.asarray(col)
        if arr.dtype == bool:
            return Bool(arr)
        if np.issubdtype(arr.dtype, np.integer):
            return Num(arr.astype(np.int64, copy=False), 0)
        if arr.dtype.kind in "US":
            c = Categorical.from_values(arr)
            return Str(c.codes, c.categories)
        if np.issubdtype(arr.dtype, np.floating):
            raise RuleError(None, f"输入列 {name} 是浮点数：金额请用整数分")
        if arr.dtype == object and len(arr) and isinstance(arr[0], str):
            c = Categorical.from_values(arr.astype(str))
            return Str(c.codes, c.categories)
        raise RuleError(None, f"输入列 {name} 的类型 {arr.dtype} 不支持")

    def _export(self, name: str, val: Value) -> Any:
        n = self.n
        if isinstance(val, Num):
            if val.s:
                r = _round_to(val, 0, "trunc")
                back = _rescale(r, val.s, name)
                if np.any(np.asarray(back) != np.asarray(val.v)):
                    raise RuleError(None, f"输出字段 {name} 不是整数分（请在规则中用 round()）")
                val = r
            return np.broadcast_to(np.asarray(val.v, dtype=np.int64), (n,))
        if isinstance(val, Bool):
            return np.broadcast_to(np.asarray(val.v, dtype=bool), (n,))
        if isinstance(val, Str):
            return Categorical(np.broadcast_to(np.asarray(val.codes), (n,)), val.cats)
        if isinstance(val, Null):
            return Categorical(np.zeros(n, dtype=np.int32), [None])  # type: ignore[list-item]
        raise RuleError(None, f"输出字段 {name} 的类型不支持导出")

    def resolve(self, name: str, index: int, where: str) -> Value:
        """The value of ``name`` as seen by node ``index`` (from upstream nodes or the inputs)."""
        for i in range(index - 1, -1, -1):
            if name in self.defs[i]:
                key = (i, name)
                if key not in self._memo:
                    self._memo[key] = self._compute(i, name)
                return self._memo[key]
            if not self.pass_through[i]:
                break
        else:
            if name in self._columns:
                return self._columns[name]
        raise RuleError(where, f"字段 {name} 没有输入列，也没有上游节点给出")

    def _compute(self, i: int, name: str) -> Value:
        node = self.nodes[i]
        kind = self.defs[i][name]
        if kind[0] == "expr":
            scope = Scope(self, i)
            for e in node["content"]["expressions"]:
                scope.own[e["key"]] = self.eval(
                    self._ast(e["value"], node["id"]), scope, node["id"]
                )
                self._memo[(i, e["key"])] = scope.own[e["key"]]
                if e["key"] == name:
                    return scope.own[e["key"]]
            raise AssertionError(name)
        if kind[0] == "table":
            return self._table_field(i, kind[1])
        return self._collect(i)

    def _cell_mask(self, parts: list[list[tuple]], col: Value, where: str) -> Any:
        if not parts:
            return True
        mask: Any = False
        for group in parts:
            g: Any = True
            for item in group:
                if item[0] == "range":
                    _, lo, hi, lo_in, hi_in = item
                    lo_v, hi_v = _num_literal(str(lo)), _num_literal(str(hi))
                    a = self._compare(">=" if lo_in else ">", col, lo_v, where)
                    b = self._compare("<=" if hi_in else "<", col, hi_v, where)
                    g = np.logical_and(g, np.logical_and(a, b))
                else:
                    op, ast = item
                    lit_val = self.eval(ast, None, where)
                    g = np.logical_and(g, self._compare(op, col, lit_val, where))
            mask = np.logical_or(mask, g)
        return mask

    def _selection(self, i: int) -> Any:
        if i in self._sel:
            return self._sel[i]
        node = self.nodes[i]
        content = node["content"]
        nid = node["id"]
        small = self._categorical_space(i)
        if small is not None:
            # Every condition reads a text column: decide once per combination of categories
            # (a few hundred at most) and look the rows up by their combined code.
            key, masks, size = small
            sel_small = self._first_hit(masks, size)
            sel = sel_small[key]
        else:
            sel = self._first_hit(self._row_masks(i), self.n)
        if np.any(sel < 0):
            missing = int(np.count_nonzero(sel < 0))
            raise RuleError(
                nid,
                f"决策表「{node.get('name')}」有 {missing} 条记录没有命中任何行（请加一行兜底规则）",
            )
        self._sel[i] = (sel, content)
        return self._sel[i]

    @staticmethod
    def _first_hit(masks: list[Any], n: int) -> np.ndarray:
        sel = np.full(n, -1, dtype=np.int32)
        for r in range(len(masks) - 1, -1, -1):
            m = masks[r]
            if m is True:
                sel[:] = r
            elif m is not False:
                sel[np.broadcast_to(m, (n,))] = r
        return sel

    def _categorical_space(self, i: int) -> tuple[np.ndarray, list[Any], int] | None:
        content = self.nodes[i]["content"]
        nid = self.nodes[i]["id"]
        fields = []
        for col in content["inputs"]:
            used = any(str(row.get(col["id"], "")).strip() for row in content["rules"])
            if used and col.get("field") and col["field"] not in fields:
                fields.append(col["field"])
        values = {}
        size = 1
        for f in fields:
            v = self.resolve(f, i, nid)
            if not isinstance(v, Str) or not isinstance(v.codes, np.ndarray):
                return None
            values[f] = v
            size *= len(v.cats)
        if size > 100_000 or not fields:
            return None
        # the product space: one virtual row per combination of categories
        grids = np.meshgrid(*[np.arange(len(values[f].cats)) for f in fields], indexing="ij")
        virtual = {f: Str(g.ravel(), values[f].cats) for f, g in zip(fields, grids, strict=True)}
        key = np.zeros(self.n, dtype=np.int64)
        for f in fields:
            key = key * len(values[f].cats) + values[f].codes
        masks = []
        for row in content["rules"]:
            m: Any = True
            for col in content["inputs"]:
                parts = self._unary_parts(row.get(col["id"], ""), nid)
                if parts:
                    m = np.logical_and(m, self._cell_mask(parts, virtual[col["field"]], nid))
            masks.append(m)
        return key, masks, size

    def _row_masks(self, i: int) -> list[Any]:
        node = self.nodes[i]
        content = node["content"]
        nid = node["id"]
        masks = []
        for row in content["rules"]:
            m: Any = True
            for col in content["inputs"]:
                parts = self._unary_parts(row.get(col["id"], ""), nid)
                if not parts:
                    continue
                field = col.get("field")
                if not field:
                    raise RuleError(nid, "条件列缺少字段名，无法向量化")
                value = self.resolve(field, i, nid)
                m = np.logical_and(m, self._cell_mask(parts, value, nid))
            masks.append(m)
        return masks

    def _table_field(self, i: int, out_id: str) -> Value:
        sel, content = self._selection(i)
        nid = self.nodes[i]["id"]
        scope = Scope(self, i)
        cells = [str(row.get(out_id, "")).strip() or "null" for row in content["rules"]]
        asts = [self._ast(c, nid) for c in cells]
        if all(a[0] == "str" or a[0] == "null" for a in asts):
            cats = [None if a[0] == "null" else a[1] for a in asts]
            return Str(sel, cats)
        if all(a[0] == "bool" for a in asts):
            return Bool(np.asarray([a[1] for a in asts], dtype=bool)[sel])
        values = [self.eval(a, scope, nid) for a in asts]
        if all(isinstance(v, Num) and not isinstance(v.v, np.ndarray) for v in values):
            s = max(v.s for v in values)  # type: ignore[union-attr]
            lut = np.asarray([v.v * 10 ** (s - v.s) for v in values], dtype=np.int64)  # type: ignore[union-attr]
            _guard(_maxabs(lut), nid)
            lut_lo, lut_hi = int(lut.min()), int(lut.max())
            same = all(v.exact and v.s == s for v in values)  # type: ignore[union-attr]
            return Num(lut[sel], s, same, lut_lo, lut_hi)
        out = values[-1]
        for r in range(len(values) - 2, -1, -1):
            out = _where(sel == r, values[r], out, nid)
        return out

    def _collect(self, i: int) -> Value:
        node = self.nodes[i]
        content = node["content"]
        masks = self._row_masks(i)
        scope = Scope(self, i)
        rows = []
        for row in content["rules"]:
            fields = {}
            for col in content["outputs"]:
                text = str(row.get(col["id"], "")).strip() or "null"
                ast = self._ast(text, node["id"])
                fields[col["field"]] = lambda a=ast: self.eval(a, scope, node["id"])
            rows.append(fields)
        return Collected(masks, rows)

    # expressions ----------------------------------------------------------------------------

    def _compare(self, op: str, a: Value, b: Value, where: str) -> Any:
        if isinstance(a, Num) and isinstance(b, Num):
            x, y, _ = _align(a, b, where)
        elif isinstance(a, Str) and isinstance(b, Str):
            if op not in ("==", "!="):
                raise RuleError(where, "文本只能比较相等或不等")
            return self._str_eq(a, b, op == "!=")
        elif isinstance(a, Bool) and isinstance(b, Bool):
            x, y = a.v, b.v
        elif isinstance(b, Null) or isinstance(a, Null):
            other = a if isinstance(b, Null) else b
            if isinstance(other, Str):
                return self._str_eq(other, Str(0, [None]), op == "!=")
            res = op == "!="
            return res
        else:
            if op in ("==", "!="):
                return op == "!="  # different types are never equal (as in zen)
            raise RuleError(where, f"无法比较 {type(a).__name__} 与 {type(b).__name__}")
        return {
            "==": np.equal,
            "!=": np.not_equal,
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
        }[op](x, y)

    @staticmethod
    def _str_eq(a: Str, b: Str, negate: bool) -> Any:
        if not isinstance(b.codes, np.ndarray):
            target = b.cats[b.codes]
            lut = np.asarray([c == target for c in a.cats], dtype=bool)
        elif not isinstance(a.codes, np.ndarray):
            return CompiledRule._str_eq(b, a, negate)
        else:
            eq = np.asarray([[x == y for y in b.cats] for x in a.cats], dtype=bool)
            res = eq[a.codes, b.codes]
            return ~res if negate else res
        if negate:
            lut = ~lut
        return lut[a.codes] if isinstance(a.codes, np.ndarray) else bool(lut[a.codes])

    def eval(self, ast: tuple, scope: Scope | None, where: str) -> Value:
        kind = ast[0]
        if kind == "num":
            return _num_literal(ast[1])
        if kind == "str":
            return Str(0, [ast[1]])
        if kind == "bool":
            return Bool(ast[1])
        if kind == "null":
            return Null()
        if kind == "list":
            raise RuleError(where, "列表只能用在 min/max 中")
        if kind == "ref":
            if scope is None:
                raise RuleError(where, "条件中不能引用字段")
            return scope.get(ast[1], where)
        if kind == "neg":
            v = self.eval(ast[1], scope, where)
            if not isinstance(v, Num):
                raise RuleError(where, "负号只能用于数值")
            lo, hi = _rng(v)
            return Num(-v.v, v.s, v.exact, -hi, -lo)
        if kind == "not":
            v = self.eval(ast[1], scope, where)
            if not isinstance(v, Bool):
                raise RuleError(where, "not 只能用于布尔值")
            return Bool(np.logical_not(v.v))
        if kind == "if":
            c = self.eval(ast[1], scope, where)
            if not isinstance(c, Bool):
                raise RuleError(where, "条件表达式 ? : 的条件必须是布尔值")
            a = self.eval(ast[2], scope, where)
            b = self.eval(ast[3], scope, where)
            return _where(c.v, a, b, where)
        if kind == "bin":
            return self._binary(ast[1], ast[2], ast[3], scope, where)
        if kind == "call":
            return self._call(ast[1], ast[2], scope, where)
        raise RuleError(where, f"不支持的表达式：{kind}")

    def _binary(
        self, op: str, l_ast: tuple, r_ast: tuple, scope: Scope | None, where: str
    ) -> Value:
        if op == "??":
            if (
                l_ast[0] == "ref"
                and scope is not None
                and not l_ast[1].startswith("$.")
                and not scope.has(l_ast[1])
            ):
                return self.eval(r_ast, scope, where)
            return self.eval(l_ast, scope, where)
        a = self.eval(l_ast, scope, where)
        b = self.eval(r_ast, scope, where)
        if op in ("and", "or"):
            if not (isinstance(a, Bool) and isinstance(b, Bool)):
                raise RuleError(where, f"{op} 两侧必须是布尔值")
            f = np.logical_and if op == "and" else np.logical_or
            return Bool(f(a.v, b.v))
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return Bool(self._compare(op, a, b, where))
        if op == "+" and isinstance(a, Str) and isinstance(b, Str):
            return self._concat(a, b)
        if not (isinstance(a, Num) and isinstance(b, Num)):
            raise RuleError(where, f"运算 {op} 的两侧必须是数值")
        if op in ("+", "-", "%"):
            x, y, s = _align(a, b, where)
            (alo, ahi), (blo, bhi) = _scaled_rng(a, s), _scaled_rng(b, s)
            ex = a.exact and b.exact
            if op == "+":
                return _num(x + y, s, alo + blo, ahi + bhi, where, ex)
            if op == "-":
                return _num(x - y, s, alo - bhi, ahi - blo, where, ex)
            return Num(
                np.fmod(x, y)
                if isinstance(x, np.ndarray) or isinstance(y, np.ndarray)
                else int(Decimal(x) % Decimal(y)),
                s,
                False,
            )
        if op == "*":
            (alo, ahi), (blo, bhi) = _rng(a), _rng(b)
            corners = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
            _guard(max(abs(c) for c in corners), where)
            return Num(a.v * b.v, a.s + b.s, a.exact and b.exact, min(corners), max(corners))
        # division: only by a literal power of ten (exact as a scale shift)
        if isinstance(b.v, np.ndarray):
            raise RuleError(where, "除法只支持除以常数 10、100、1000…（其他除法不精确）")
        divisor = Decimal(b.v).scaleb(-b.s)
        exp = divisor.log10() if divisor > 0 else Decimal("NaN")
        if not exp.is_finite() or exp != exp.to_integral_value() or exp < 0:
            raise RuleError(where, "除法只支持除以常数 10、100、1000…（其他除法不精确）")
        return Num(a.v, a.s + int(exp), False, a.lo, a.hi)

    @staticmethod
    def _concat(a: Str, b: Str) -> Str:
        if not isinstance(b.codes, np.ndarray):
            tail = b.cats[b.codes]
            return Str(a.codes, [None if (x is None or tail is None) else x + tail for x in a.cats])
        if not isinstance(a.codes, np.ndarray):
            head = a.cats[a.codes]
            return Str(b.codes, [None if (x is None or head is None) else head + x for x in b.cats])
        cats = [None if (x is None or y is None) else x + y for x in a.cats for y in b.cats]
        return Str(a.codes.astype(np.int64) * len(b.cats) + b.codes, cats)

    def _call(self, fn: str, args: list[tuple], scope: Scope | None, where: str) -> Value:
        if fn in ("min", "max"):
            if len(args) != 1 or args[0][0] != "list" or not args[0][1]:
                raise RuleError(where, f"{fn} 只支持 {fn}([a, b, …]) 写法")
            vals = [self.eval(a, scope, where) for a in args[0][1]]
            if not all(isinstance(v, Num) for v in vals):
                raise RuleError(where, f"{fn} 的参数必须是数值")
            s = max(v.s for v in vals)  # type: ignore[union-attr]
            arrs = [_rescale(v, s, where) for v in vals]  # type: ignore[arg-type]
            f = np.minimum if fn == "min" else np.maximum
            out = arrs[0]
            for x in arrs[1:]:
                out = f(out, x)
            same = all(v.exact and v.s == s for v in vals)  # type: ignore[union-attr]
            ranges = [_scaled_rng(v, s) for v in vals]  # type: ignore[arg-type]
            pick = min if fn == "min" else max
            lo = pick(r[0] for r in ranges)
            hi = pick(r[1] for r in ranges)
            return Num(out, s, same, lo, hi)
        if fn in ("round", "floor", "ceil", "trunc"):
            if not 1 <= len(args) <= 2:
                raise RuleError(where, f"{fn} 的参数个数不对")
            v = self.eval(args[0], scope, where)
            if not isinstance(v, Num):
                raise RuleError(where, f"{fn} 的参数必须是数值")
            d = 0
            if len(args) == 2:
                if args[1][0] != "num" or "." in args[1][1]:
                    raise RuleError(where, f"{fn} 的小数位数必须是整数常量")
                d = int(args[1][1])
            return _round_to(v, d, fn)
        if fn == "abs":
            v = self.eval(args[0], scope, where)
            if not isinstance(v, Num):
                raise RuleError(where, "abs 的参数必须是数值")
            lo, hi = _rng(v)
            top = max(abs(lo), abs(hi))
            bottom = 0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
            return Num(
                np.abs(v.v) if isinstance(v.v, np.ndarray) else abs(v.v), v.s, v.exact, bottom, top
            )
        if fn == "string" and len(args) == 1:
            v = self.eval(args[0], scope, where)
            if isinstance(v, Str):
                return Str(v.codes, ["null" if c is None else c for c in v.cats])
            if isinstance(v, Num):
                if not v.exact or v.s != 0:
                    # zen's decimal text of a fraction depends on the engine's internal scale
                    # (0 x 0.15 shows "0", 10 x 0.15 shows "1.50"): only whole numbers are shown.
                    raise RuleError(
                        where,
                        "string() 只能用于整数（请先 round()），小数的显示位数与引擎不一定一致",
                    )
                if isinstance(v.v, np.ndarray):
                    uniq, inv = np.unique(v.v, return_inverse=True)
                    if len(uniq) > 100_000:
                        raise RuleError(where, "string() 的不同取值过多，无法向量化")
                    return Str(inv.astype(np.int32), [_num_text(int(x), v.s) for x in uniq])
                return Str(0, [_num_text(int(v.v), v.s)])
        if fn == "sum" and len(args) == 1 and args[0][0] == "call" and args[0][1] == "map":
            inner = args[0][2]
            if (
                len(inner) == 2
                and inner[0][0] == "ref"
                and inner[1][0] == "ref"
                and inner[1][1].startswith("#.")
            ):
                coll = self.eval(inner[0], scope, where)
                if isinstance(coll, Collected):
                    return self._collect_sum(coll, inner[1][1][2:], where)
        if fn in ("len", "count") and len(args) == 1 and args[0][0] == "ref":
            coll = self.eval(args[0], scope, where)
            if isinstance(coll, Collected):
                total = np.zeros(self.n, dtype=np.int64)
                for m in coll.masks:
                    total = total + np.broadcast_to(np.asarray(m, dtype=np.int64), (self.n,))
                return Num(total, 0)
        raise RuleError(where, f"函数 {fn}(…) 的这种用法不支持向量化")

    def _collect_sum(self, coll: Collected, field: str, where: str) -> Num:
        total = Num(np.zeros(self.n, dtype=np.int64), 0, True, 0, 0)
        for mask, row in zip(coll.masks, coll.rows, strict=True):
            if field not in row:
                raise RuleError(where, f"collect 表没有字段 {field}")
            v = row[field]()
            if not isinstance(v, Num):
                raise RuleError(where, f"collect 表字段 {field} 必须是数值才能求和")
            m = np.broadcast_to(np.asarray(mask, dtype=bool), (self.n,))
            lo, hi = _rng(v)
            part = Num(np.where(m, v.v, 0), v.s, False, min(lo, 0), max(hi, 0))
            x, y, s = _align(total, part, where)
            (tlo, thi), (plo, phi) = _scaled_rng(total, s), _scaled_rng(part, s)
            total = _num(x + y, s, tlo + plo, thi + phi, where, False)
        return total


def compile_jdm(jdm: dict[str, Any]) -> CompiledRule:
    """Compile a JDM (validated first); RuleError names the node of any unsupported construct."""
    return CompiledRule(jdm)


# Rows per chunk: 256k int64 values are 2 MiB, so a chunk's temporaries stay in cache and are
# reused by the allocator instead of being faulted in afresh for every operation.
CHUNK_ROWS = 1 << 18


def _slice(col: Any, lo: int, hi: int) -> Any:
    if isinstance(col, Categorical):
        return Categorical(col.codes[lo:hi], col.categories)
    return col[lo:hi]


def _column_length(columns: dict[str, Any]) -> int:
    lengths = {len(c) for c in columns.values()}
    if len(lengths) > 1:
        raise RuleError(None, "输入列长度不一致")
    return lengths.pop() if lengths else 0


def decide_vector(
    rule: CompiledRule | dict[str, Any],
    columns: dict[str, Any],
    *,
    with_reason: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, Any]:
    """``amount_fen`` (int64) and ``eligible`` (bool) for every row, with ``evaluate``'s conventions:
    eligible defaults to amount > 0 and an ineligible row gets 0. Large populations are evaluated
    in chunks (same results, less memory traffic); ``reason`` comes back as a Categorical."""
    compiled = rule if isinstance(rule, CompiledRule) else compile_jdm(rule)
    wanted = ["amount_fen"]
    has_eligible = "eligible" in columns or any("eligible" in d for d in compiled.defs)
    if has_eligible:
        wanted.append("eligible")
    if with_reason:
        wanted.append("reason")
    columns = {
        k: (v if isinstance(v, (Categorical, np.ndarray)) else np.asarray(v))
        for k, v in columns.items()
    }
    n = _column_length(columns)
    amount = np.empty(n, dtype=np.int64)
    eligible = np.empty(n, dtype=bool)
    reason_codes = np.empty(n, dtype=np.int32) if with_reason else None
    reason_cats: list[str | None] = []
    reason_index: dict[str | None, int] = {}
    for lo in range(0, max(n, 1), max(chunk_rows, 1)):
        hi = min(n, lo + chunk_rows)
        if hi <= lo:
            break
        out = compiled.run({k: _slice(v, lo, hi) for k, v in columns.items()}, wanted)
        part = out["amount_fen"]
        ok = out["eligible"] if has_eligible else part > 0
        eligible[lo:hi] = ok
        np.multiply(part, ok, out=amount[lo:hi])
        if reason_codes is not None:
            cat = out["reason"]
            lut = np.empty(len(cat.categories), dtype=np.int32)
            for i, text in enumerate(cat.categories):
                if text not in reason_index:
                    reason_index[text] = len(reason_cats)
                    reason_cats.append(text)
                lut[i] = reason_index[text]
            reason_codes[lo:hi] = lut[np.asarray(cat.codes)]
    result: dict[str, Any] = {"amount_fen": amount, "eligible": eligible}
    if reason_codes is not None:
        result["reason"] = Categorical(reason_codes, reason_cats)  # type: ignore[arg-type]
    return result
