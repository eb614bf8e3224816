"""The campaign set-up form: campaign fields plus up to three batch rows."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from policyledger.web.core.forms import AmountField

from .models import SECTORS, Campaign
from .services.campaigns import BatchSpec

BATCH_ROWS = 3


class CampaignForm(forms.ModelForm):
    # Money is typed the way people write it (600万) and parsed by the one amount parser.
    budget = AmountField(label="预算（元）", min_value=Decimal("0.01"), max_value=10**11)
    merchant_daily_cap = AmountField(
        label="单商户日补贴上限（元）", required=False, max_value=10**11
    )
    sectors = forms.MultipleChoiceField(
        label="适用行业", choices=[(s, s) for s in SECTORS], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "city",
            "budget",
            "mode",
            "release_at",
            "registration_closes_at",
            "valid_from",
            "valid_until",
            "per_person_limit",
            "gov_ratio",
            "merchant_ratio",
            "merchant_daily_cap",
            "sectors",
            "measure",
            "task",
        ]
        widgets = {
            f: forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
            for f in ("release_at", "registration_closes_at", "valid_from", "valid_until")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, BATCH_ROWS + 1):
            req = i == 1
            self.fields[f"b{i}_threshold"] = AmountField(
                label=f"批次{i} 满（元）", required=req, max_value=10**8
            )
            self.fields[f"b{i}_face"] = AmountField(
                label=f"批次{i} 减（元）", required=req, min_value=Decimal("0.01"), max_value=10**8
            )
            self.fields[f"b{i}_quantity"] = forms.IntegerField(
                label=f"批次{i} 数量", required=req, min_value=1
            )
            self.fields[f"b{i}_limit"] = forms.IntegerField(
                label=f"批次{i} 每人限领", required=False, min_value=1, initial=1
            )

    def batch_specs(self) -> list[BatchSpec]:
        out = []
        for i in range(1, BATCH_ROWS + 1):
            face = self.cleaned_data.get(f"b{i}_face")
            threshold = self.cleaned_data.get(f"b{i}_threshold")
            qty = self.cleaned_data.get(f"b{i}_quantity")
            if face is None and threshold is None and qty is None:
                continue
            if face is None or threshold is None or qty is None:
                raise forms.ValidationError(f"批次{i}须同时填写满、减和数量")
            out.append(BatchSpec(face, threshold, qty, self.cleaned_data.get(f"b{i}_limit") or 1))
        return out

    def campaign_fields(self):
        return [self[name] for name in self.Meta.fields]

    def batch_rows(self):
        return [
            [
                self[f"b{i}_threshold"],
                self[f"b{i}_face"],
                self[f"b{i}_quantity"],
                self[f"b{i}_limit"],
            ]
            for i in range(1, BATCH_ROWS + 1)
        ]
