"""Voucher codes: a random serial plus an HMAC tag, so a code can be neither guessed nor forged.

The tag is checked before any database lookup, which also keeps brute-force scans off the database.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

import segno
from django.conf import settings

SERIAL_BYTES = 10  # 80 random bits: 16 base32 characters
TAG_BYTES = 5  # 40-bit tag: 8 base32 characters
CODE_LENGTH = 24


@functools.lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"policyledger.vouchers.code:" + secret.encode()).digest()


def _tag(serial: str) -> str:
    digest = hmac.new(_key(settings.SECRET_KEY), serial.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:TAG_BYTES]).decode()


def make_code() -> str:
    serial = base64.b32encode(secrets.token_bytes(SERIAL_BYTES)).decode()
    return serial + _tag(serial)


def normalise(text: str) -> str:
    """What a cashier types or a scanner reads: any case, with spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def verify(code: str) -> bool:
    code = normalise(code)
    if len(code) != CODE_LENGTH:
        return False
    serial, tag = code[:16], code[16:]
    return hmac.compare_digest(_tag(serial), tag)


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def qr_data_uri(code: str) -> str:
    """An SVG QR code as a data: URI (the CSP allows data: images, not inline script)."""
    return segno.make(code, error="m").svg_data_uri(scale=4, border=2)
