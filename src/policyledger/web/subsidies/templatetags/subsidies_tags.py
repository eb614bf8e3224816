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
