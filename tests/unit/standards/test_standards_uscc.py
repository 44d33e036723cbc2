"""USCC check character, validation and normalisation (GB 32100-2015)."""

import random

import pytest

from shared.standards import (
    is_valid_uscc,
    make_uscc,
    normalise_uscc,
    uscc_check_char,
    uscc_division,
    validate_uscc,
)
from shared.standards.uscc import ALPHABET, WEIGHTS

EXAMPLE = "91350100M000100Y43"  # the standard's own example


def test_alphabet_and_weights_match_the_standard():
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)
    # Weight i is 3**i mod 31: a cheap independent check on the transcribed table.
    assert WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


def test_standard_example_is_valid():
    assert validate_uscc(EXAMPLE) is None
    assert is_valid_uscc(EXAMPLE)
    assert uscc_check_char(EXAMPLE[:17]) == "3"


def test_check_result_31_maps_to_index_zero():
    # A prefix of zeros sums to 0, so 31 - 0 = 31, which the standard maps to '0'.
    assert uscc_check_char("0" * 17) == "0"
    assert is_valid_uscc("0" * 18)


def test_make_uscc_appends_check_char():
    code = make_uscc("91630100MA7" + "00001" + "A")
    assert len(code) == 18 and is_valid_uscc(code)


@pytest.mark.parametrize("position", range(18))
def test_every_single_substitution_is_detected(position):
    for ch in ALPHABET:
        if ch == EXAMPLE[position]:
            continue
        corrupted = EXAMPLE[:position] + ch + EXAMPLE[position + 1 :]
        assert validate_uscc(corrupted) is not None, corrupted
        assert not is_valid_uscc(corrupted)


def _random_prefixes(count=500, seed=4754):
    # Seeded, so a failure reproduces; plain random keeps the tests free of extra tooling.
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(17)) for _ in range(count)]


def test_made_codes_are_always_valid():
    for prefix in _random_prefixes():
        assert is_valid_uscc(make_uscc(prefix)), prefix


def test_exactly_one_check_char_is_valid():
    for prefix in _random_prefixes(100):
        valid = [ch for ch in ALPHABET if is_valid_uscc(prefix + ch)]
        assert valid == [uscc_check_char(prefix)], prefix


@pytest.mark.parametrize("code", ["", EXAMPLE[:17], EXAMPLE + "0"])
def test_wrong_length_message(code):
    message = validate_uscc(code)
    assert "18" in message and str(len(code)) in message


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "*", "中"])
def test_illegal_character_message_names_position(bad):
    code = EXAMPLE[:9] + bad + EXAMPLE[10:]
    message = validate_uscc(code)
    assert "position 10" in message and "第10位" in message


def test_wrong_check_char_message_names_expected():
    message = validate_uscc(EXAMPLE[:17] + "4")
    assert "expected '3'" in message and "“3”" in message


def test_non_string_is_invalid():
    assert validate_uscc(None) is not None
    assert not is_valid_uscc(91350100)


def test_validation_is_strict_about_lower_case():
    lower = EXAMPLE.lower()
    message = validate_uscc(lower)
    assert "position 9" in message and "upper case" in message


@pytest.mark.parametrize(
    "raw",
    [
        EXAMPLE.lower(),
        f"  {EXAMPLE}\n",
        "9135 0100 M000 100Y 43",
        "91350100-M000100Y-43",
        "９１３５０１００Ｍ０００１００Ｙ４３",  # full-width, as typed with a Chinese IME
    ],
)
def test_normalise_then_validate(raw):
    assert normalise_uscc(raw) == EXAMPLE
    assert is_valid_uscc(normalise_uscc(raw))


def test_normalise_does_not_guess_missing_letters():
    # O is not in the alphabet; turning it into 0 would change the enterprise's identity.
    assert normalise_uscc("o") == "O"


@pytest.mark.parametrize("prefix", ["", "123", EXAMPLE, "9135010OM000100Y4"])
def test_check_char_rejects_bad_prefix(prefix):
    with pytest.raises(ValueError):
        uscc_check_char(prefix)


def test_division_is_positions_3_to_8():
    assert uscc_division(EXAMPLE) == "350100"
    assert uscc_division(make_uscc("91630102MA7000001")) == "630102"


def test_division_of_invalid_code_raises():
    with pytest.raises(ValueError, match="check"):
        uscc_division(EXAMPLE[:17] + "4")
