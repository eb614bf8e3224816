"""Money helpers: integer fen in, integer fen out, Decimal in between, never float.

Convention of the rules library (see docs/subsidies.md):

* every money field of a rule's inputs and outputs is **integer fen** and its name ends in ``_fen``
  (``price_fen``, ``amount_fen``, ``cap_fen``);
* rates are decimal literals in the rule (``0.15``), passed to builders as ``Decimal``;
* rounding to the fen is written in the rule with ``round(x)``, which zen-engine rounds half away from
  zero (``round(2.5) = 3``, ``round(-2.5) = -3``); the vectorised compiler rounds the same way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from policyledger.rules.errors import RuleError

FEN_PER_YUAN = 100


def yuan_to_fen(value: str | int | Decimal) -> int:
    """``"12.34"`` (yuan, as text or Decimal) -> 1234 fen, exactly; more than 2 decimals is refused."""
    if isinstance(value, (float, bool)):
        raise RuleError(None, f"金额不能使用浮点数或布尔值：{value!r}，请用字符串或 Decimal")
    try:
        dec = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise RuleError(None, f"无法识别的金额：{value!r}") from exc
    if not dec.is_finite():
        raise RuleError(None, f"无法识别的金额：{value!r}")
    fen = dec * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise RuleError(None, f"金额最多两位小数（分）：{value!r}")
    return int(fen)


def fen_to_yuan(fen: int) -> str:
    """1234 -> ``"12.34"`` (text for people; never a float)."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{whole}.{part:02d}"


def round_half_away(value: Decimal) -> int:
    """zen-engine's ``round(x)``: half away from zero, to an integer."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def decimal_text_to_fen(text: str, field: str, node_id: str | None = None) -> int:
    """Exact decimal text from zen's ``string(x)`` -> int fen; a fraction of a fen is an error."""
    try:
        dec = Decimal(text)
    except InvalidOperation as exc:
        raise RuleError(node_id, f"输出字段 {field} 不是数值：{text!r}") from exc
    if not dec.is_finite() or dec != dec.to_integral_value():
        raise RuleError(node_id, f"输出字段 {field} 必须是整数分（用 round() 取整），实际为 {text}")
    return int(dec)
