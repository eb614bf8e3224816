"""Forms of the subsidy pages (validation only; the services decide)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from .models import Applicant, Programme
from .services.calculator import parse_yuan
from .services.errors import InvalidInput


class MoneyForm(forms.Form):
    """A form whose money fields (``money_fields``: name -> what it is) are checked by the one
    parser (``parse_yuan``: 600万, 1,000万元, 135.50): a bad amount is an error beside its field
    and the typed text stays in the form. The pages read the amounts with ``parse_yuan`` too."""

    money_fields: dict[str, str] = {}

    def clean(self):
        data = super().clean()
        for name, what in self.money_fields.items():
            value = (data.get(name) or "").strip()
            if not value:
                continue
            try:
                parse_yuan(value, what)
            except InvalidInput as exc:
                self.add_error(name, exc.message)
        return data


MAGIC = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def sniff(head: bytes) -> str | None:
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(
        label="类型",
        choices=[(Applicant.Kind.ENTERPRISE, "企业/个体工商户"), (Applicant.Kind.PERSON, "个人")],
    )
    name = forms.CharField(label="名称/姓名", max_length=200)
    id_number = forms.CharField(label="统一社会信用代码/身份证号码", max_length=30)
    region = forms.CharField(label="所在区县", max_length=50, required=False)
    sector = forms.CharField(label="行业", max_length=30, required=False)
    username = forms.CharField(label="登录名", max_length=50)
    password = forms.CharField(label="密码（至少10位）", min_length=10, widget=forms.PasswordInput)


class BankForm(forms.Form):
    holder = forms.CharField(label="户名", max_length=200)
    account = forms.CharField(label="账号", max_length=40)
    bank = forms.CharField(label="开户行", max_length=200)


class ApplyForm(MoneyForm):
    money_fields = {"amount": "开票金额"}
    amount = forms.CharField(label="开票金额（元）", max_length=20, required=False)
    participants = forms.IntegerField(label="参与商户数", min_value=0, required=False)
    invoice_code = forms.CharField(label="发票代码", max_length=20, required=False)
    invoice_number = forms.CharField(label="发票号码", max_length=20, required=False)
    sector = forms.CharField(label="行业/品类", max_length=30, required=False)
    region = forms.CharField(label="区县", max_length=50, required=False)

    def clean(self):
        data = super().clean()
        files = self.files.getlist("materials") if self.files else []
        if len(files) > settings.SUBSIDIES_MAX_MATERIALS:
            raise forms.ValidationError(f"材料最多{settings.SUBSIDIES_MAX_MATERIALS}个文件")
        limit = settings.SUBSIDIES_MAX_MATERIAL_BYTES
        for f in files:
            if f.size > limit:
                raise forms.ValidationError(f"“{f.name}”超过{limit // (1024 * 1024)}MB")
            head = f.read(8)
            f.seek(0)
            if sniff(head) is None:
                raise forms.ValidationError(f"“{f.name}”不是PDF、PNG或JPEG文件")
        data["material_files"] = files
        return data


class ProgrammeForm(MoneyForm):
    money_fields = {
        "budget": "资金总额",
        "min_award": "单笔下限",
        "max_award": "单笔上限",
        "manual_over": "人工复核金额",
    }
    name = forms.CharField(label="项目名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=Programme.Kind.choices)
    budget = forms.CharField(label="资金总额（元）", max_length=20)
    rate_percent = forms.DecimalField(
        label="补贴比例（%）", required=False, max_digits=7, decimal_places=3
    )
    min_award = forms.CharField(label="单笔下限（元）", max_length=20, required=False)
    max_award = forms.CharField(label="单笔上限（元）", max_length=20, required=False)
    manual_over = forms.CharField(label="超过此额人工复核（元）", max_length=20, required=False)
    sectors = forms.CharField(
        label="适用行业（逗号分隔，空为不限）", max_length=200, required=False
    )
    exclusion_group = forms.CharField(
        label="互斥组（同一事项不重复享受）", max_length=50, required=False
    )
    notice_days = forms.IntegerField(label="公示期（工作日）", min_value=1, max_value=30, initial=5)
    overflow = forms.ChoiceField(label="资金不足时", choices=Programme.Overflow.choices)


class ObjectionForm(forms.Form):
    number = forms.CharField(label="申请编号", max_length=30)
    name = forms.CharField(label="异议人", max_length=50)
    contact = forms.CharField(label="联系方式", max_length=50)
    text = forms.CharField(
        label="异议内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CalculatorForm(MoneyForm):
    money_fields = {"amount": "购买金额"}
    applicant_kind = forms.ChoiceField(
        label="我是",
        choices=[
            (Applicant.Kind.PERSON, "个人（居民）"),
            (Applicant.Kind.ENTERPRISE, "企业/个体工商户"),
        ],
    )
    sector = forms.CharField(label="行业/购买品类", max_length=30, required=False)
    region = forms.CharField(label="所在区县", max_length=50, required=False)
    amount = forms.CharField(label="购买/开票金额（元）", max_length=20, required=False)
    participants = forms.IntegerField(label="组织活动参与商户数", min_value=0, required=False)


class WhatIfForm(MoneyForm):
    money_fields = {"budget": "资金总额", "max_award": "单笔上限", "min_award": "单笔下限"}
    """测算: a population and the scenario's rate, caps and budget (yuan as text, never float)."""

    SOURCES = [
        ("generated", "模拟生成人群（可重复）"),
        ("applications", "本项目申请人"),
        ("upload", "上传发票（xlsx/csv）"),
    ]
    source = forms.ChoiceField(label="人群来源", choices=SOURCES, initial="generated")
    size = forms.IntegerField(
        label="模拟人数", min_value=1, max_value=1_000_000, initial=10_000, required=False
    )
    seed = forms.IntegerField(
        label="随机种子", min_value=0, max_value=2**31 - 1, initial=2026, required=False
    )
    upload = forms.FileField(label="发票文件", required=False)
    rate_percent = forms.DecimalField(
        label="补贴比例（%）", max_digits=7, decimal_places=3, required=False
    )
    max_award = forms.CharField(label="单笔上限（元，空为不封顶）", max_length=20, required=False)
    min_award = forms.CharField(label="单笔下限（元）", max_length=20, required=False)
    budget = forms.CharField(label="资金总额（元）", max_length=20)
