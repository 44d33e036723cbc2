"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Layout of the 18 characters::

    1      registration authority (登记管理部门码)
    2      organisation category (机构类别码)
    3-8    administrative division, GB/T 2260 (登记管理机关行政区划码)
    9-17   organisation code body (主体标识码)
    18     check character over positions 1-17

Normalisation comes before validation. ``validate_uscc`` is strict: it checks exactly the
string it is given, so lower case or surrounding spaces are errors there. Edges that accept
user input call ``normalise_uscc`` first and then validate and store the normalised form;
this keeps one canonical spelling per enterprise (the code is the enterprise's key).
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_MODULUS = len(ALPHABET)  # 31


def normalise_uscc(code: str) -> str:
    """Return the canonical spelling of user input: NFKC, no spaces or hyphens, upper case.

    NFKC folds full-width characters (common from Chinese IMEs) to ASCII. Letters the
    alphabet lacks (I, O, Z, S, V) are left as they are, so validation still reports them:
    guessing O -> 0 would silently change the enterprise's identity.
    """
    text = unicodedata.normalize("NFKC", code)
    text = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    return text.upper()


def _check_index(first17: str) -> int:
    total = sum(_INDEX[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return (_MODULUS - total % _MODULUS) % _MODULUS  # a result of 31 means index 0


def _illegal_position(text: str) -> int | None:
    """1-based position of the first character outside the alphabet, or None."""
    for pos, ch in enumerate(text, start=1):
        if ch not in _INDEX:
            return pos
    return None


def uscc_check_char(first17: str) -> str:
    """Compute the check character (position 18) for the first 17 characters."""
    if len(first17) != LENGTH - 1:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    pos = _illegal_position(first17)
    if pos is not None:
        raise ValueError(f"illegal character {first17[pos - 1]!r} at position {pos}")
    return ALPHABET[_check_index(first17)]


def make_uscc(prefix17: str) -> str:
    """Append the check character to a 17-character prefix (for seeding demo data)."""
    return prefix17 + uscc_check_char(prefix17)


def validate_uscc(code: str) -> str | None:
    """Return a bilingual error message for an invalid code, or None when it is valid."""
    if not isinstance(code, str):
        return "统一社会信用代码必须是字符串 / USCC must be a string"
    if len(code) != LENGTH:
        return (
            f"统一社会信用代码应为18位，实际{len(code)}位 / "
            f"USCC must be 18 characters, got {len(code)}"
        )
    pos = _illegal_position(code)
    if pos is not None:
        ch = code[pos - 1]
        hint = "（请使用大写字母） / (use upper case)" if ch.upper() in _INDEX else ""
        return (
            f"第{pos}位字符“{ch}”非法 / illegal character {ch!r} at position {pos}"
            + (f" {hint}" if hint else "")
        )
    expected = ALPHABET[_check_index(code[:17])]
    if code[17] != expected:
        return (
            f"校验码错误，应为“{expected}” / "
            f"wrong check character: expected {expected!r}, got {code[17]!r}"
        )
    return None


def is_valid_uscc(code: str) -> bool:
    """True when ``validate_uscc`` finds nothing wrong."""
    return validate_uscc(code) is None


def uscc_division(code: str) -> str:
    """The GB/T 2260 division code in positions 3-8 of a valid USCC."""
    error = validate_uscc(code)
    if error is not None:
        raise ValueError(error)
    return code[2:8]
