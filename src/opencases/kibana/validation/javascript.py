"""What JavaScript does to decoded JSON: trim, length, Number(), String(), JSON.stringify."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import msgspec

MAX_SAFE_INTEGER = 2**53 - 1


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


# What JavaScript's String.prototype.trim() removes (WhiteSpace and LineTerminator).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# A string JavaScript's Number() reads as a finite number (after trimming).
_JS_NUMERIC = re.compile(
    r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+"
)


def js_trim(value: str) -> str:
    """`value.trim()` as JavaScript does it."""
    return value.strip(JS_WHITESPACE)


def js_length(value: str) -> int:
    """`value.length` in JavaScript: UTF-16 code units, so an emoji counts 2."""
    if value.isascii():
        return len(value)
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


def js_number(text: str) -> int | float | None:
    """`Number(text)` in JavaScript, or None where that is NaN or infinite."""
    text = js_trim(text)
    if not text:
        return 0
    if not _JS_NUMERIC.fullmatch(text):
        return None
    if text[:2].lower() in ("0x", "0o", "0b"):
        return int(text, 0)
    number = float(text)
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) <= MAX_SAFE_INTEGER else number


def _js_number_string(value: float) -> str:
    # Number.prototype.toString(): the shortest round-tripping digits (as Python's repr),
    # laid out in fixed notation for exponents in [-7, 21) and scientific otherwise.
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    # Position of the decimal point, counted from the first significant digit.
    point = len(digits) + exponent
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        text = digits + "0" * (point - k)
    elif 0 < point <= 21:
        text = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        e = point - 1
        head = digits[0] + (f".{digits[1:]}" if k > 1 else "")
        text = f"{head}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _js_numeric_value(value: int | float) -> str:
    if isinstance(value, int) and abs(value) <= MAX_SAFE_INTEGER:
        return str(value)
    # JavaScript holds every number as a double.
    try:
        return _js_number_string(float(value))
    except OverflowError:
        return "Infinity" if value > 0 else "-Infinity"


def is_ascii_digits(text: str) -> bool:
    """Whether `text` is digits 0-9 only, as JavaScript and HTTP read a number.

    str.isdigit() alone also holds for "²" (which int() refuses) and "٣" (which it reads).
    """
    return text.isascii() and text.isdigit()


def _is_array_index(key: str) -> bool:
    return is_ascii_digits(key) and str(int(key)) == key and int(key) < 2**32 - 1


def json_stringify(value: Any) -> str:
    """`JSON.stringify(value)` for a decoded JSON value (integer-like keys first, as JS orders)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = _js_numeric_value(value)
        return "null" if text in ("NaN", "Infinity", "-Infinity") else text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(json_stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(key, ensure_ascii=False)}:{json_stringify(value[key])}"
                for key in js_keys(value)
            )
            + "}"
        )
    return json.dumps(value, ensure_ascii=False)


def js_keys(value: dict[str, Any]) -> list[str]:
    """`Object.keys(value)`: integer-like keys ascending, then the others in insertion order."""
    indices = sorted((key for key in value if _is_array_index(key)), key=int)
    return [*indices, *(key for key in value if not _is_array_index(key))]


def js_string(value: Any) -> str:
    """How JavaScript's String() would show a JSON value (objects as JSON.stringify)."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _js_numeric_value(value)
    if isinstance(value, dict | list):
        return json_stringify(value)
    return str(value)


def js_type(value: Any) -> str:
    """config-schema's name for a decoded JSON value's type (`typeDetect`)."""
    if value is UNDEFINED or value is msgspec.UNSET:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "Array"
    return "Object"


def is_safe_integer(value: int | float) -> bool:
    """`Number.isSafeInteger(value)` in JavaScript."""
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return False
    return abs(value) <= MAX_SAFE_INTEGER
