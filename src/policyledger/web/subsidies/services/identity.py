"""Identity numbers: check digits, hashing and masking (no Django models).

- 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-character alphabet (no I, O, Z, S, V);
  the last is a check character computed from the first 17 with weights 3^i mod 31.
- 公民身份号码 (GB 11643-1999): 17 digits + a check character (ISO 7064 MOD 11-2), a valid birth date.

An ID number is never stored: only its HMAC (key SUBSIDIES_ID_HMAC_KEY, by default derived from
SECRET_KEY) for look-ups and uniqueness, and a masked form for display.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")


class IdentityError(ValueError):
    """A malformed number; the message is Chinese and says what is wrong."""


def normalise(text: str) -> str:
    """Upper case, full-width to half-width, spaces removed."""
    out = []
    for ch in str(text or ""):
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if not ch.isspace():
            out.append(ch)
    return "".join(out).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(code: str) -> str:
    """The normalised code, or IdentityError with the reason."""
    code = normalise(code)
    if len(code) != 18:
        raise IdentityError(f"统一社会信用代码应为18位，实际{len(code)}位")
    if not _USCC_RE.match(code):
        bad = next(c for c in code if c not in USCC_ALPHABET)
        raise IdentityError(f"统一社会信用代码含有不允许的字符“{bad}”（不使用I、O、Z、S、V）")
    if uscc_check_char(code[:17]) != code[17]:
        raise IdentityError("统一社会信用代码校验位不正确，请核对")
    return code


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def check_id_number(number: str) -> str:
    """The normalised 18-digit ID number, or IdentityError with the reason."""
    number = normalise(number)
    if not _ID_RE.match(number):
        raise IdentityError("身份证号码应为18位（前17位数字，末位数字或X）")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError("身份证号码中的出生日期无效") from None
    if born.year < 1900 or born > dt.date.today():
        raise IdentityError("身份证号码中的出生日期无效")
    if id_check_char(number[:17]) != number[17]:
        raise IdentityError("身份证号码校验位不正确，请核对")
    return number


def hash_id(number: str, key: str) -> str:
    """HMAC-SHA256 of the normalised number: equal numbers give equal hashes, nothing reversible."""
    return hmac.new(key.encode(), normalise(number).encode(), hashlib.sha256).hexdigest()


def mask_id(number: str) -> str:
    """320705********1234 style: region and last four kept."""
    number = normalise(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "****"


def mask_code(code: str) -> str:
    code = normalise(code)
    return code[:4] + "*" * (len(code) - 8) + code[-4:] if len(code) > 8 else "****"


def mask_name(name: str) -> str:
    """王芳 -> 王*, 欧阳娜娜 -> 欧**娜: the family name (and the last character of long names)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_account(account: str) -> str:
    account = normalise(account)
    return "*" * max(len(account) - 4, 0) + account[-4:]
