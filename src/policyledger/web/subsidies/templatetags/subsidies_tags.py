from django import template

from ..models import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen as 元 with thousands separators: 123456 → 1,234.56."""
    try:
        return _yuan(int(fen))
    except (TypeError, ValueError):
        return ""


@register.filter
def fen_money(fen) -> str:
    """Integer fen through the project's one money formatter: 1,000万元, 135.50元."""
    from decimal import Decimal

    from policyledger.formats import format_money

    try:
        return format_money(Decimal(int(fen)) / 100)
    except (TypeError, ValueError):
        return ""
