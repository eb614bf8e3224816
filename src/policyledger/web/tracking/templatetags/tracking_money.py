from django import template

from policyledger.web.tracking import hooks

register = template.Library()


@register.simple_tag
def measure_money(measure_id):
    """Money figures for a measure from the apps that registered a source (e.g. subsidies)."""
    return hooks.money_for_measure(measure_id)
