"""Form fields shared by the apps' pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from policyledger.formats.amounts import parse_amount


class AmountField(forms.CharField):
    """Money as people type it (600万, 1,000万元, 135.50) through the one amount parser
    (``formats.amounts.parse_amount``); cleans to yuan as a ``Decimal`` with two places, never a
    float. Bad input (六百万, 1e30, a negative amount, more than two decimals) is a Chinese error
    beside the field, and the form keeps what was typed."""

    def __init__(
        self,
        *,
        min_value: Decimal | int | None = 0,
        max_value: Decimal | int | None = None,
        **kwargs,
    ) -> None:
        # No max_length validator: validators run on the cleaned Decimal; the widget limits typing.
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "30")
        self.min_value = None if min_value is None else Decimal(min_value)
        self.max_value = None if max_value is None else Decimal(max_value)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("placeholder", "如 600万 或 135.50")

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > 30:
            raise forms.ValidationError("金额过长，请填写如 600万 或 135.50", code="max_length")
        try:
            amount = parse_amount(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        if amount < 0:
            raise forms.ValidationError(f"金额“{text}”不能为负数", code="min_value")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(f"金额“{text}”最多到分（两位小数）", code="invalid")
        if self.min_value is not None and amount < self.min_value:
            raise forms.ValidationError(f"金额须不小于{self.min_value:g}元", code="min_value")
        if self.max_value is not None and amount > self.max_value:
            raise forms.ValidationError(f"金额“{text}”过大", code="max_value")
        return amount.quantize(Decimal("0.01"))
