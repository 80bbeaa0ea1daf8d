"""The verification code printed on a certificate beside its number.

Numbers are sequential per county (…-000001, …-000002), so anyone can guess them; the code is
what makes the public verify page show a holder's name: 80 random bits, written as 16
characters of Crockford's base32 (digits and capitals without I, L, O, U, so nothing is
misread), printed in groups of four and accepted however it is typed.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # characters of 5 bits: 80 bits
# What people type for the characters the alphabet leaves out (Crockford's decoding rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh code (the model field's default)."""
    value = secrets.randbits(LENGTH * 5)
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def normalize(text: str) -> str:
    """The stored form of a code as typed: upper case, without dashes or spaces, O read as 0
    and I or L as 1. Anything that cannot be a code comes back as "" (matches nothing)."""
    code = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    return code if len(code) == LENGTH and all(ch in ALPHABET for ch in code) else ""


def display(code: str) -> str:
    """As printed: ABCD-EFGH-JKMN-PQRS."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
