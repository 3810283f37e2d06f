"""Card numbers and their check digit."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kasipodaq.cards.numbers import (
    LARGEST_SEQUENCE,
    CardNumberError,
    damm_digit,
    display,
    is_valid,
    make_number,
    parse_number,
)

regions = st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}")
sequences = st.integers(min_value=1, max_value=LARGEST_SEQUENCE)


def test_a_number_is_the_region_the_sequence_and_the_check_digit() -> None:
    """Damm's digit of 572 is 4, as in the algorithm's published example."""
    assert damm_digit("572") == 4
    number = make_number("35", 1234)
    assert number[:9] == "350001234"
    assert is_valid(number)
    assert display(number) == f"35-0001234-{number[-1]}"


@given(regions, sequences, st.integers(min_value=0, max_value=9), st.data())
def test_every_single_mistyped_digit_is_caught(
    region: str, sequence: int, position: int, data: st.DataObject
) -> None:
    number = make_number(region, sequence)
    wrong = data.draw(
        st.sampled_from([d for d in "0123456789" if d != number[position]])
    )
    typo = number[:position] + wrong + number[position + 1 :]
    assert not is_valid(typo)


@given(regions, sequences, st.integers(min_value=0, max_value=8))
def test_every_swap_of_neighbouring_digits_is_caught(
    region: str, sequence: int, position: int
) -> None:
    number = make_number(region, sequence)
    a, b = number[position], number[position + 1]
    if a != b:
        swapped = number[:position] + b + a + number[position + 2 :]
        assert not is_valid(swapped)


def test_a_number_is_read_as_people_type_it() -> None:
    number = make_number("75", 42)
    assert parse_number(display(number)) == number
    assert parse_number(f" {number[:2]} {number[2:6]} {number[6:]} ") == number


@pytest.mark.parametrize(
    "text", ["", "12345", "35-0001234-77", "３５０００１２３４７", "abcdefghij"]
)
def test_what_is_not_ten_digits_is_refused(text: str) -> None:
    with pytest.raises(CardNumberError):
        parse_number(text)


def test_a_typing_error_is_named_as_such() -> None:
    number = make_number("35", 1234)
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    with translation.override("en"), pytest.raises(CardNumberError) as refused:
        parse_number(typo)
    assert "typing error" in str(refused.value)


@pytest.mark.parametrize(
    ("region", "sequence"),
    [("3", 1), ("ab", 1), ("35", 0), ("35", LARGEST_SEQUENCE + 1)],
)
def test_a_bad_region_or_sequence_makes_no_number(region: str, sequence: int) -> None:
    with pytest.raises(CardNumberError):
        make_number(region, sequence)
