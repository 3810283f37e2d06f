import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from kasipodaq.core.checksum import FIRST_WEIGHTS, SECOND_WEIGHTS, check_digit
from kasipodaq.registry.iin import FEMALE, MALE, make_iin, parse_iin

birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
sexes = st.sampled_from([MALE, FEMALE])
serials = st.integers(min_value=0, max_value=9999)


@given(birth_dates, sexes, serials)
def test_an_issued_iin_gives_back_its_birth_date_and_sex(birth_date, sex, serial):
    """Whatever IIN is issued, parsing it returns the birth date and sex it encodes."""
    iin = _issued(birth_date, sex, serial)
    facts = parse_iin(iin)
    assert (facts.birth_date, facts.sex) == (birth_date, sex)


def _issued(birth_date: dt.date, sex: str, serial: int) -> str:
    iin = make_iin(birth_date, sex, serial)
    assume(iin is not None)
    assert iin is not None
    return iin


def _first_rest(first_eleven: str) -> int:
    digits = [int(c) for c in first_eleven]
    return sum(d * w for d, w in zip(digits, FIRST_WEIGHTS, strict=True)) % 11


@given(birth_dates, sexes, serials, st.integers(0, 9), st.integers(1, 9))
def test_changing_one_of_the_first_ten_digits_is_caught(
    birth_date, sex, serial, position, delta
):
    """One mistyped digit is refused whenever the first weighting decides.

    (The 11th digit has weight 11 ≡ 0 in the standard, so no check digit can catch
    a typo there; and a typo that makes the first remainder 10 passes to the second
    weighting, which may agree by chance.)
    """
    iin = _issued(birth_date, sex, serial)
    assume(_first_rest(iin[:11]) != 10)
    digits = list(iin)
    digits[position] = str((int(digits[position]) + delta) % 10)
    mistyped = "".join(digits)
    assume(_first_rest(mistyped[:11]) != 10)
    with pytest.raises(ValidationError):
        parse_iin(mistyped)


@given(birth_dates, sexes, serials, st.integers(6, 8))
def test_swapping_adjacent_digits_of_the_serial_is_caught(
    birth_date, sex, serial, position
):
    """Swapping two different neighbouring digits changes the weighted sum."""
    iin = _issued(birth_date, sex, serial)
    assume(_first_rest(iin[:11]) != 10)
    assume(iin[position] != iin[position + 1])
    swapped = iin[:position] + iin[position + 1] + iin[position] + iin[position + 2 :]
    assume(_first_rest(swapped[:11]) != 10)
    with pytest.raises(ValidationError):
        parse_iin(swapped)


def test_second_weighting_is_used_when_the_first_gives_ten():
    """When the first weighting leaves 10 the check digit comes from the second."""
    for n in range(100000):
        first = f"850517{4}{n:04d}"
        digits = [int(c) for c in first]
        if sum(d * w for d, w in zip(digits, FIRST_WEIGHTS, strict=True)) % 11 == 10:
            second = (
                sum(d * w for d, w in zip(digits, SECOND_WEIGHTS, strict=True)) % 11
            )
            if second != 10:
                break
    else:
        pytest.fail("no number needing the second weighting found")
    assert check_digit(first) == second
    assert parse_iin(f"{first}{second}").birth_date == dt.date(1985, 5, 17)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_the_check_digit_is_the_standard_weighted_remainder(first_eleven):
    """Whatever the digits, the result is the standard's: the first weighting's
    remainder, else the second's, else none."""
    digits = [int(c) for c in first_eleven]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if rest != 10:
            break
    assert check_digit(first_eleven) == (None if rest == 10 else rest)


@pytest.mark.parametrize(
    "value", ["1234567890", "123456789012", "12345 67890", "١٢٣٤٥٦٧٨٩٠١"]
)
def test_the_check_digit_needs_eleven_ascii_digits(value):
    with pytest.raises(ValueError, match="eleven digits"):
        check_digit(value)


def test_numbers_that_need_both_weightings_to_give_ten_are_never_valid():
    for n in range(100000):
        first = f"900101{3}{n:04d}"
        if check_digit(first) is None:
            break
    for last in "0123456789":
        with pytest.raises(ValidationError):
            parse_iin(first + last)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12345", "iin_format"),
        ("85051740000a", "iin_format"),
        ("850517700001", "iin_century"),
        ("851317400001", "iin_date"),
        ("850230400001", "iin_date"),
    ],
)
def test_malformed_iins_name_their_fault(value, code):
    with pytest.raises(ValidationError) as exc:
        parse_iin(value)
    assert exc.value.code == code


def test_known_iin_facts():
    """The seventh digit gives century and sex: 4 is a woman born in the 1900s."""
    iin = make_iin(dt.date(1975, 12, 31), FEMALE, 123)
    assert iin is not None and iin[6] == "4"
    iin = make_iin(dt.date(2004, 2, 29), MALE, 7)
    assert iin is not None and iin[6] == "5"
