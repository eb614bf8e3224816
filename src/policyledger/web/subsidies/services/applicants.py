"""Applicant accounts: enterprises (统一社会信用代码) and people (ID number hashed, shown masked).

Applicants sign in with ordinary Django users that have no staff profile (no unit, no role), so
every staff page and the tracking API stay closed to them; they see only their own applications.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Applicant
from .errors import InvalidInput, NotAllowed
from .identity import (
    IdentityError,
    check_id_number,
    check_uscc,
    hash_id,
    mask_id,
    normalise,
)


def id_key() -> str:
    return settings.SUBSIDIES_ID_HMAC_KEY


def identify(kind: str, id_number: str) -> dict:
    """The stored identity fields for an enterprise code or a person's ID number (validated)."""
    try:
        if kind == Applicant.Kind.ENTERPRISE:
            return {"credit_code": check_uscc(id_number), "id_hash": None, "id_masked": ""}
        if kind == Applicant.Kind.PERSON:
            number = check_id_number(id_number)
            return {
                "credit_code": None,
                "id_hash": hash_id(number, id_key()),
                "id_masked": mask_id(number),
            }
    except IdentityError as exc:
        raise InvalidInput(str(exc)) from None
    raise InvalidInput("申请人类型应为企业或个人")


def find(kind: str, id_number: str) -> Applicant | None:
    ident = identify(kind, id_number)
    if ident["credit_code"]:
        return Applicant.objects.filter(credit_code=ident["credit_code"]).first()
    return Applicant.objects.filter(id_hash=ident["id_hash"]).first()


def get_or_create(kind: str, name: str, id_number: str, **fields) -> tuple[Applicant, bool]:
    """The applicant with this code or ID number, created if new (name and fields filled)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("名称/姓名不能为空")
    ident = identify(kind, id_number)
    existing = find(kind, id_number)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Applicant.objects.create(kind=kind, name=name, **ident, **fields), True
    except IntegrityError:  # created at the same moment by someone else
        found = find(kind, id_number)
        if found is None:
            raise
        return found, False


def register(
    username: str, password: str, *, kind: str, name: str, id_number: str, **fields
) -> Applicant:
    """A sign-in account for an applicant (refused if the code/ID already has one)."""
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise InvalidInput("该用户名已被使用")
    with transaction.atomic():
        applicant, created = get_or_create(kind, name, id_number, **fields)
        if applicant.user_id is not None:
            raise NotAllowed("该证件已注册账号，请直接登录")
        if not created:
            # Someone else's code or ID number is easy to learn (credit codes are public): taking
            # over a record that already has entitlements needs an officer to check the person.
            raise NotAllowed(
                "该证件已有兑现记录（如免申即享名单），请携带证件到经办窗口核验身份后开通账号"
            )
        user = user_model.objects.create_user(username=username, password=password)
        applicant.user = user
        applicant.save(update_fields=["user"])
    return applicant


def link_account(officer, applicant: Applicant, username: str, password: str) -> Applicant:
    """An officer, having checked the person's papers, opens an account for an existing record."""
    user_model = get_user_model()
    if applicant.user_id is not None:
        raise NotAllowed("该申请人已有账号")
    if user_model.objects.filter(username=username).exists():
        raise InvalidInput("该用户名已被使用")
    with transaction.atomic():
        user = user_model.objects.create_user(username=username, password=password)
        moved = Applicant.objects.filter(pk=applicant.pk, user__isnull=True).update(user=user)
        if not moved:
            raise NotAllowed("该申请人已有账号")
    applicant.refresh_from_db()
    return applicant


def applicant_of(user) -> Applicant | None:
    if user is None or not user.is_authenticated:
        return None
    return Applicant.objects.filter(user=user).first()


def confirm_bank(applicant: Applicant, *, holder: str, account: str, bank: str) -> Applicant:
    """The applicant confirms where the money goes (免申即享 needs this before payment)."""
    holder, bank = holder.strip(), bank.strip()
    account = normalise(account).replace("-", "")
    if not holder or not account or not bank:
        raise InvalidInput("户名、账号、开户行都要填写")
    if not account.isdigit() or not 8 <= len(account) <= 32:
        raise InvalidInput("银行账号应为8—32位数字")
    if applicant.kind != Applicant.Kind.GOVERNMENT and normalise(holder) != normalise(
        applicant.name
    ):
        # Money goes only to an account in the applicant's own name (never a third party's).
        raise InvalidInput(f"户名须与申请人名称一致（{applicant.name}）")
    Applicant.objects.filter(pk=applicant.pk).update(
        bank_holder=holder, bank_account=account, bank_name=bank, bank_confirmed_at=timezone.now()
    )
    applicant.refresh_from_db()
    return applicant
