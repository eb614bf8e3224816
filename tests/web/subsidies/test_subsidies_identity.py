"""Check digits of 统一社会信用代码 (GB 32100-2015) and 身份证号码 (GB 11643), hashing, masking."""

from __future__ import annotations

import pytest

from policyledger.web.subsidies.services.identity import (
    IdentityError,
    check_id_number,
    check_uscc,
    hash_id,
    mask_id,
    mask_name,
)

# Published examples with correct check characters.
REAL_USCC = ["91350100M000100Y43", "91110000600037341L"]
REAL_ID = ["11010519491231002X", "320705198502140013"]


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_credit_codes_pass(code):
    assert check_uscc(code) == code
    assert check_uscc(code.lower().replace("9", "９", 1)) == code  # full-width, lower case


@pytest.mark.parametrize("code", REAL_USCC)
def test_one_changed_character_fails(code):
    for i in range(18):
        for replacement in "0A":
            if code[i] == replacement:
                continue
            bad = code[:i] + replacement + code[i + 1 :]
            with pytest.raises(IdentityError):
                check_uscc(bad)


def test_credit_code_messages_are_chinese_and_specific():
    with pytest.raises(IdentityError, match="18位"):
        check_uscc("9135010")
    with pytest.raises(IdentityError, match="不允许的字符“I”"):
        check_uscc("91350100M000100I43")
    with pytest.raises(IdentityError, match="校验位"):
        check_uscc("91350100M000100Y44")


@pytest.mark.parametrize("number", REAL_ID)
def test_real_id_numbers_pass(number):
    assert check_id_number(number.lower()) == number


def test_id_number_errors():
    with pytest.raises(IdentityError, match="校验位"):
        check_id_number("110105194912310021")
    with pytest.raises(IdentityError, match="出生日期"):
        check_id_number("110105194902301234")
    with pytest.raises(IdentityError, match="18位"):
        check_id_number("11010519491231")


def test_hash_is_keyed_and_masking_hides_the_middle():
    a = hash_id("11010519491231002X", "key-1")
    assert a == hash_id("11010519491231002x", "key-1")
    assert a != hash_id("11010519491231002X", "key-2")
    assert "19491231" not in a
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_name("王芳") == "王*"
    assert mask_name("欧阳娜娜") == "欧**娜"
