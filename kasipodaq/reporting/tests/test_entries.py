"""Figures as people type them: «1 234», «1 234,5», blanks, and what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kasipodaq.reporting.entries import (
    LARGEST,
    TEXT_MAX,
    EntriesRefused,
    parse_entries,
    parse_entry,
)
from kasipodaq.reporting.layout import Layout, layout_of
from kasipodaq.reporting.models import Indicator, ValueType
from kasipodaq.reporting.services.forms import create_form

NBSP, NARROW_NBSP = "\u00a0", "\u202f"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages are checked in their source language."""
    with translation.override("en"):
        yield


def names(text: str) -> dict[str, str]:
    return {"ru": text, "kk": text, "en": text}


def indicator(code: str, value_type: str, **extra: str) -> dict[str, object]:
    return {"code": code, "type": value_type, "name": names(code), **extra}


@pytest.fixture
def layout(db: None) -> Layout:
    """A form with one entered figure of each type, a registry one and a formula."""
    version = create_form(
        {
            "code": "entries",
            "name": names("Entries"),
            "sections": [
                {
                    "code": "main",
                    "name": names("Main"),
                    "indicators": [
                        indicator("schools", "count"),
                        indicator("spent", "amount"),
                        indicator("share", "percent"),
                        indicator("notes", "text"),
                        indicator(
                            "members", "count", source="registry", measure="members"
                        ),
                        indicator("per_school", "percent", formula="schools / members"),
                    ],
                }
            ],
        }
    )
    return layout_of(version)


def entry(value_type: str) -> Indicator:
    """An entered indicator of a type, unsaved: parse_entry needs nothing else."""
    return Indicator(code="x", value_type=value_type, source="entered")


COUNT, AMOUNT, PERCENT, TEXT = (
    entry(ValueType.COUNT),
    entry(ValueType.AMOUNT),
    entry(ValueType.PERCENT),
    entry(ValueType.TEXT),
)


@pytest.mark.parametrize(
    ("given_", "value_type", "expected"),
    [
        ("1 234", ValueType.COUNT, Decimal(1234)),
        (f"1{NBSP}234", ValueType.COUNT, Decimal(1234)),
        (f"1{NARROW_NBSP}234{NBSP}567", ValueType.COUNT, Decimal(1234567)),
        (" 42 ", ValueType.COUNT, Decimal(42)),
        ("0", ValueType.COUNT, Decimal(0)),
        ("3,0", ValueType.COUNT, Decimal(3)),
        (f"1{NBSP}234,5", ValueType.AMOUNT, Decimal("1234.5")),
        ("1 234.56", ValueType.AMOUNT, Decimal("1234.56")),
        ("12.5", ValueType.PERCENT, Decimal("12.5")),
        ("100", ValueType.PERCENT, Decimal(100)),
        (7, ValueType.COUNT, Decimal(7)),
        (Decimal("2.25"), ValueType.AMOUNT, Decimal("2.25")),
        (0.1, ValueType.AMOUNT, Decimal("0.1")),
        ("999 999 999 999", ValueType.COUNT, LARGEST - 1),
    ],
)
def test_figures_are_read_as_people_write_them(
    given_: object, value_type: str, expected: Decimal
) -> None:
    """Spaces, non-breaking ones too, group thousands; a comma or a point marks
    the decimals."""
    assert parse_entry(entry(value_type), given_) == expected


@pytest.mark.parametrize("blank", ["", "   ", NBSP, None])
def test_a_blank_clears_the_figure(blank: object) -> None:
    assert parse_entry(COUNT, blank) is None
    assert parse_entry(TEXT, blank) is None


@pytest.mark.parametrize(
    ("given_", "value_type", "message"),
    [
        ("-1", ValueType.COUNT, "cannot be negative"),
        ("-0,5", ValueType.AMOUNT, "cannot be negative"),
        ("1 000 000 000 000", ValueType.COUNT, "too large"),
        ("1e12", ValueType.AMOUNT, "too large"),
        ("2,5", ValueType.COUNT, "whole number"),
        ("1 234,5", ValueType.COUNT, "whole number"),
        ("100,1", ValueType.PERCENT, "at most 100"),
        ("250", ValueType.PERCENT, "at most 100"),
        ("1,234", ValueType.AMOUNT, "two decimal places"),
        ("12.345", ValueType.PERCENT, "two decimal places"),
        ("twelve", ValueType.COUNT, "Enter a number"),
        ("1.2.3", ValueType.AMOUNT, "Enter a number"),
        ("NaN", ValueType.COUNT, "Enter a number"),
        ("Infinity", ValueType.AMOUNT, "Enter a number"),
        (True, ValueType.COUNT, "Enter a number"),
    ],
)
def test_a_figure_that_cannot_be_one_is_refused_with_why(
    given_: object, value_type: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_entry(entry(value_type), given_)


def test_text_is_kept_trimmed_up_to_its_limit() -> None:
    assert parse_entry(TEXT, "  Конференция  ") == "Конференция"
    assert parse_entry(TEXT, "я" * TEXT_MAX) == "я" * TEXT_MAX
    with pytest.raises(ValueError, match=str(TEXT_MAX)):
        parse_entry(TEXT, "я" * (TEXT_MAX + 1))


def test_entries_of_the_form_are_read_together(layout: Layout) -> None:
    values = parse_entries(
        layout,
        {"schools": "1 200", "spent": "3,5", "share": "", "notes": " Всё хорошо "},
    )
    assert values == {
        "schools": Decimal(1200),
        "spent": Decimal("3.5"),
        "share": None,
        "notes": "Всё хорошо",
    }


def test_every_fault_is_reported_at_once_and_nothing_returned(layout: Layout) -> None:
    """Unknown codes, figures the registry or a formula gives, and unreadable
    values are all named, each with its reason."""
    with pytest.raises(EntriesRefused) as refused:
        parse_entries(
            layout,
            {
                "schools": "2,5",
                "spent": "10",
                "share": "101",
                "notes": "x" * (TEXT_MAX + 1),
                "members": "5",
                "per_school": "50",
                "nonsense": "1",
            },
        )
    errors = refused.value.errors
    assert set(errors) == {
        "schools",
        "share",
        "notes",
        "members",
        "per_school",
        "nonsense",
    }
    assert "whole number" in errors["schools"]
    assert "at most 100" in errors["share"]
    for code in ("members", "per_school", "nonsense"):
        assert errors[code] == f"«{code}» is not a figure this form asks for."
    assert refused.value.code == "entries_refused"


def grouped(number: int, separator: str) -> str:
    """The number with its thousands grouped the way a spreadsheet prints them."""
    return f"{number:,}".replace(",", separator)


@given(
    number=st.integers(min_value=0, max_value=int(LARGEST) - 1),
    separator=st.sampled_from([" ", NBSP, NARROW_NBSP, ""]),
)
def test_any_grouped_count_reads_back(number: int, separator: str) -> None:
    assert parse_entry(COUNT, grouped(number, separator)) == number


@given(
    cents=st.integers(min_value=0, max_value=int(LARGEST) * 100 - 1),
    separator=st.sampled_from([" ", NBSP, ""]),
    point=st.sampled_from([",", "."]),
)
def test_any_amount_with_two_decimals_reads_back(
    cents: int, separator: str, point: str
) -> None:
    whole, fraction = divmod(cents, 100)
    text = f"{grouped(whole, separator)}{point}{fraction:02d}"
    assert parse_entry(AMOUNT, text) == Decimal(cents) / 100


@given(number=st.integers(min_value=-(10**15), max_value=-1))
def test_no_negative_figure_is_accepted(number: int) -> None:
    for indicator_ in (COUNT, AMOUNT, PERCENT):
        with pytest.raises(ValueError):
            parse_entry(indicator_, grouped(number, " "))
