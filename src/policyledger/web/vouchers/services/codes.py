"""Voucher codes: a random serial plus an HMAC tag, so a code can be neither guessed nor forged.

The tag is checked before any database lookup, which also keeps brute-force scans off the database.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

import segno
from django.conf import settings

SERIAL_BYTES = 10  # 80 random bits: 16 base32 characters
TAG_BYTES = 5  # 40-bit tag: 8 base32 characters
CODE_LENGTH = 24


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32, without padding


@functools.lru_cache(maxsize=16)
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"policyledger.vouchers.code:" + secret.encode()).digest()


def signing_secrets() -> list[str]:
    """The voucher signing keys, current first: VOUCHER_SIGNING_KEY, then the rotated-out
    VOUCHER_SIGNING_OLD_KEYS that still verify codes issued under them. Without a key of its own
    (DEBUG only; settings.py refuses to start so otherwise) the key is derived from SECRET_KEY."""
    current = settings.VOUCHER_SIGNING_KEY or "derived:" + settings.SECRET_KEY
    return [current, *settings.VOUCHER_SIGNING_OLD_KEYS]


def _keys() -> list[bytes]:
    return [_key(s) for s in signing_secrets()]


def _b32(data: bytes) -> str:
    # Whole 5-byte groups only, so no padding; plain shifts beat base64.b32encode several times
    # over, which matters when a batch of 10^5 vouchers is minted.
    n = int.from_bytes(data, "big")
    bits = len(data) * 8
    return "".join(ALPHABET[(n >> shift) & 31] for shift in range(bits - 5, -1, -5))


def _tag(serial: str, key: bytes | None = None) -> str:
    key = key or _keys()[0]
    return _b32(hmac.digest(key, serial.encode(), "sha256")[:TAG_BYTES])


def make_code() -> str:
    return make_codes(1)[0]


def make_codes(n: int) -> list[str]:
    """New codes are always tagged with the current key."""
    key = _keys()[0]
    out = []
    for _ in range(n):
        serial = _b32(secrets.token_bytes(SERIAL_BYTES))
        out.append(serial + _tag(serial, key))
    return out


def normalise(text: str) -> str:
    """What a cashier types or a scanner reads: any case, with spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def verify(code: str) -> bool:
    code = normalise(code)
    if len(code) != CODE_LENGTH:
        return False
    serial, tag = code[:16], code[16:]
    # Every key is tried (no early exit), so the time taken does not tell which key matched.
    ok = False
    for key in _keys():
        ok |= hmac.compare_digest(_tag(serial, key), tag)
    return ok


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def qr_data_uri(code: str) -> str:
    """An SVG QR code as a data: URI (the CSP allows data: images, not inline script)."""
    return segno.make(code, error="m").svg_data_uri(scale=4, border=2)
