"""The one way the platform reads JSON it did not write itself.

Every JSON body, query parameter or stored document that came from outside goes through
`loads`, which answers a `JSONInputError` (a ValueError: the caller's 400) for anything that
would otherwise fail later, far from the request, and take other work down with it:

- nesting deeper than `max_depth` (a body of 30,000 brackets is a RecursionError in the
  parser or, worse, in the first recursive function that walks it);
- `NaN`, `Infinity` and `-Infinity`, which Python accepts and no JSON consumer does (stored,
  they come back as invalid JSON);
- integers outside a signed 64-bit range (an OverflowError in the database driver) and
  floats that overflowed to infinity (`1e999`);
- strings or keys holding NUL (PostgreSQL cannot store it in text or jsonb) or a lone UTF-16
  surrogate such as `\\ud800` (not encodable as UTF-8, so every write of it fails);
- bytes that are not UTF-8.

The checks walk the parsed value once, iteratively (no recursion to exhaust), which costs
about a tenth of the parse itself.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1

NOT_JSON = "not valid JSON"
TOO_DEEP = "JSON nested deeper than {depth} levels"
NOT_FINITE = "NaN and Infinity are not JSON numbers"
INT_RANGE = "a number outside the range of a 64-bit integer"
BAD_TEXT = "text containing NUL or an unpaired surrogate"
NOT_UTF8 = "not UTF-8"

_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")


class JSONInputError(ValueError):
    """Input that is not acceptable JSON; `str()` says why, in words for the caller."""


def _no_constants(name: str) -> Any:
    raise JSONInputError(NOT_FINITE)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JSONInputError(NOT_FINITE)
    return value


def _int(text: str) -> int:
    # Python refuses to convert more than 4,300 digits (a ValueError); check the length
    # first so that refusal is ours, with our message.
    if len(text) > 20:
        raise JSONInputError(INT_RANGE)
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise JSONInputError(INT_RANGE)
    return value


def check_text(value: str) -> str:
    """`value` if it can be stored as text anywhere (no NUL, no lone surrogate)."""
    if _BAD_CHAR.search(value):
        raise JSONInputError(BAD_TEXT)
    return value


def check(value: Any, *, max_depth: int = MAX_DEPTH) -> Any:
    """`value` (already parsed, e.g. by a library) if it passes the checks `loads` applies."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > max_depth:
                raise JSONInputError(TOO_DEEP.format(depth=max_depth))
            for key, child in item.items():
                if isinstance(key, str):
                    check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > max_depth:
                raise JSONInputError(TOO_DEEP.format(depth=max_depth))
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            check_text(item)
        elif isinstance(item, bool) or item is None:
            pass
        elif isinstance(item, int):
            if not INT_MIN <= item <= INT_MAX:
                raise JSONInputError(INT_RANGE)
        elif isinstance(item, float) and not math.isfinite(item):
            raise JSONInputError(NOT_FINITE)
    return value


def loads(data: bytes | bytearray | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `data` as JSON with the checks above; `JSONInputError` for anything else."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig" if data[:3] == b"\xef\xbb\xbf" else "utf-8")
        except UnicodeDecodeError:
            raise JSONInputError(NOT_UTF8) from None
    try:
        value = json.loads(data, parse_constant=_no_constants, parse_float=_float, parse_int=_int)
    except JSONInputError:
        raise
    except RecursionError:
        raise JSONInputError(TOO_DEEP.format(depth=max_depth)) from None
    except (ValueError, TypeError):
        raise JSONInputError(NOT_JSON) from None
    return check(value, max_depth=max_depth)
