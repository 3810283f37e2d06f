"""Parsing one row of an organization file into typed values and its problems."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kasipodaq.core.checksum import check_digit
from kasipodaq.orgtree.bin import validate_bin
from kasipodaq.orgtree.models import Level, Sector
from kasipodaq.registry.imports.headers import Field, guess_mapping
from kasipodaq.registry.imports.org_values import (
    OrgRow,
    clean_bin,
    clean_employees,
    org_row_parser,
    parse_org_row,
)
from kasipodaq.registry.imports.reading import Row
from kasipodaq.registry.imports.values import (
    MESSAGES,
    RowProblem,
    problem_message,
)

TODAY = dt.date(2026, 3, 15)
HEADER_OF = {
    "code": "Код",
    "parent": "Код вышестоящей",
    "level": "Уровень",
    "name_ru": "Наименование (рус)",
    "name_kk": "Атауы (қаз)",
    "bin": "БИН",
    "sector": "Отрасль",
    "employees": "Численность работников",
    "opened": "Дата открытия",
    "closed": "Дата закрытия",
    "placed": "В составе с",
}
HEADERS = list(HEADER_OF.values())
MAPPING = guess_mapping(HEADERS, "orgs")


def make_bin(first_ten: str) -> str:
    """The first valid BIN beginning with these ten digits."""
    for last in "0123456789":
        digit = check_digit(first_ten + last)
        if digit is not None:
            return f"{first_ten}{last}{digit}"
    raise AssertionError("no BIN")


# Registered in 2005: a spreadsheet storing it as a number drops the leading zero.
BIN = make_bin("0509400012")


def cells(**values: str) -> tuple[str, ...]:
    """A valid primary organization's cells, with some replaced by shorthand."""
    row = {
        "code": "01-01-001",
        "parent": "01-01",
        "level": "ППО",
        "name_ru": "ППО школы-лицея № 12",
        "name_kk": "№ 12 мектеп-лицейдің БКҰ",
        "bin": BIN,
        "sector": "Школа",
        "employees": "",
        "opened": "",
        "closed": "",
        "placed": "",
    }
    row.update(values)
    return tuple(row[name] for name in HEADER_OF)


def parse(**values: str) -> tuple[OrgRow | None, list[RowProblem]]:
    return parse_org_row(Row(7, cells(**values)), MAPPING, today=TODAY)


def codes(problems: list[RowProblem]) -> list[tuple[Field, str]]:
    return [(problem.field, problem.code) for problem in problems]


def test_mapping_recognises_the_test_headers():
    """The headers used here map onto every organization field."""
    assert MAPPING.missing == []
    assert MAPPING.unrecognised == []


def test_valid_row_gives_model_values():
    """A complete, valid row gives every value typed, with no problem."""
    org, problems = parse(
        employees="1 234", opened="01.09.1995", closed="2020-06-30", sector="school"
    )
    assert problems == []
    assert org == OrgRow(
        row_number=7,
        code="01-01-001",
        parent_code="01-01",
        level=Level.PRIMARY,
        name_ru="ППО школы-лицея № 12",
        name_kk="№ 12 мектеп-лицейдің БКҰ",
        bin=BIN,
        sector=Sector.SCHOOL,
        employees=1234,
        opened_on=dt.date(1995, 9, 1),
        closed_on=dt.date(2020, 6, 30),
    )


def test_the_date_under_the_parent_is_read_as_other_dates():
    """A unit that moved has a row per parent, each with the date it came under it;
    without the date the row is the unit's only placement, from its date opened."""
    org, problems = parse(placed="1.7.2022")
    assert problems == []
    assert org is not None
    assert org.placed_from == dt.date(2022, 7, 1)
    org, _problems = parse()
    assert org is not None
    assert org.placed_from is None


def test_optional_values_may_be_blank():
    """Sector, employees and dates may be blank; a region needs no BIN."""
    org, problems = parse(level="Областная организация", parent="00", bin="", sector="")
    assert problems == []
    assert org is not None
    assert (org.level, org.bin, org.sector, org.employees) == (
        Level.REGION,
        "",
        "",
        None,
    )
    assert (org.opened_on, org.closed_on) == (None, None)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"code": ""}, [(Field.CODE, "required")]),
        ({"code": "x" * 33}, [(Field.CODE, "too_long")]),
        ({"level": ""}, [(Field.LEVEL, "required")]),
        ({"parent": ""}, [(Field.PARENT_CODE, "required")]),
        ({"parent": "y" * 33}, [(Field.PARENT_CODE, "too_long")]),
        ({"parent": "01-01-001"}, [(Field.PARENT_CODE, "parent_is_self")]),
        ({"name_ru": ""}, [(Field.NAME_RU, "required")]),
        ({"name_kk": ""}, [(Field.NAME_KK, "required")]),
        ({"name_ru": "Я" * 301}, [(Field.NAME_RU, "too_long")]),
        ({"name_kk": "Ә" * 301}, [(Field.NAME_KK, "too_long")]),
        ({"level": "министерство"}, [(Field.LEVEL, "level_unknown")]),
        ({"sector": "металлургия"}, [(Field.SECTOR, "sector_unknown")]),
        ({"bin": ""}, [(Field.BIN, "bin_required")]),
        ({"employees": "много"}, [(Field.EMPLOYEES, "employees_format")]),
        ({"opened": "вчера"}, [(Field.OPENED_ON, "date_format")]),
        ({"closed": "31.02.2020"}, [(Field.CLOSED_ON, "date_format")]),
        ({"opened": "16.03.2026"}, [(Field.OPENED_ON, "future_date")]),
        ({"closed": "2027-01-01"}, [(Field.CLOSED_ON, "future_date")]),
        (
            {"opened": "2020-06-30", "closed": "2020-06-30"},
            [(Field.CLOSED_ON, "closed_not_after_opened")],
        ),
        (
            {"opened": "2020-06-30", "closed": "2019-01-01"},
            [(Field.CLOSED_ON, "closed_not_after_opened")],
        ),
        ({"placed": "с прошлого года"}, [(Field.PLACED_FROM, "date_format")]),
        ({"placed": "16.03.2026"}, [(Field.PLACED_FROM, "future_date")]),
        (
            {"level": "ЦК", "parent": "", "placed": "01.01.2020"},
            [(Field.PLACED_FROM, "central_with_parent")],
        ),
    ],
)
def test_each_rule(values, expected):
    """Each broken rule is reported on its field, and no organization comes out."""
    org, problems = parse(**values)
    assert org is None
    assert codes(problems) == expected
    assert all(problem.row_number == 7 for problem in problems)


def test_dates_of_one_day_apart_are_accepted():
    """Closing the day after opening, and opening today, are allowed."""
    org, problems = parse(opened="2026-03-14", closed="15.03.2026")
    assert problems == []
    assert org is not None
    assert (org.opened_on, org.closed_on) == (dt.date(2026, 3, 14), TODAY)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("central", Level.CENTRAL),
        ("ЦК", Level.CENTRAL),
        ("Центральный комитет", Level.CENTRAL),
        ("Орталық комитет", Level.CENTRAL),
        ("Central committee", Level.CENTRAL),
        ("region", Level.REGION),
        ("Областная", Level.REGION),
        ("Региональная организация", Level.REGION),
        ("облыстық", Level.REGION),
        ("Regional organization", Level.REGION),
        ("district", Level.DISTRICT),
        ("Районный комитет", Level.DISTRICT),
        ("Городской комитет", Level.DISTRICT),
        ("районный/городской комитет", Level.DISTRICT),
        ("Аудандық", Level.DISTRICT),
        ("қалалық", Level.DISTRICT),
        ("District/city committee", Level.DISTRICT),
        ("primary", Level.PRIMARY),
        ("Первичная", Level.PRIMARY),
        ("ппо", Level.PRIMARY),
        ("Бастауыш ұйым", Level.PRIMARY),
        ("Primary organization", Level.PRIMARY),
        ("group", Level.GROUP),
        ("Профгруппа", Level.GROUP),
        ("топ", Level.GROUP),
        ("Union group", Level.GROUP),
    ],
)
def test_levels_in_three_languages(written, expected):
    """A level is recognised by its name in Russian, Kazakh or English."""
    parent = "" if expected == Level.CENTRAL else "00"
    org, problems = parse(level=written, parent=parent, code="77")
    assert problems == []
    assert org is not None
    assert org.level == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("preschool", Sector.PRESCHOOL),
        ("Дошкольное", Sector.PRESCHOOL),
        ("Дошкольное образование", Sector.PRESCHOOL),
        ("Мектепке дейінгі", Sector.PRESCHOOL),
        ("Preschool education", Sector.PRESCHOOL),
        ("Школа", Sector.SCHOOL),
        ("мектеп", Sector.SCHOOL),
        ("school", Sector.SCHOOL),
        ("Колледж", Sector.COLLEGE),
        ("college", Sector.COLLEGE),
        ("ВУЗ", Sector.UNIVERSITY),
        ("Университет", Sector.UNIVERSITY),
        ("жоғары оқу орны", Sector.UNIVERSITY),
        ("University", Sector.UNIVERSITY),
        ("Наука", Sector.SCIENCE),
        ("ғылым", Sector.SCIENCE),
        ("science", Sector.SCIENCE),
        ("Другое", Sector.OTHER),
        ("басқа", Sector.OTHER),
        ("other", Sector.OTHER),
    ],
)
def test_sectors_in_three_languages(written, expected):
    """A sector is recognised by its name in Russian, Kazakh or English."""
    org, problems = parse(sector=written)
    assert problems == []
    assert org is not None
    assert org.sector == expected


def test_central_committee_needs_no_parent():
    """The central committee stands without a parent code."""
    org, problems = parse(level="ЦК", parent="", bin="", code="00")
    assert problems == []
    assert org is not None
    assert (org.level, org.parent_code) == (Level.CENTRAL, "")


def test_central_committee_with_a_parent_is_a_problem():
    """A central committee with a parent code is refused on the parent code."""
    _org, problems = parse(level="ЦК", parent="01", bin="", code="00")
    assert codes(problems) == [(Field.PARENT_CODE, "central_with_parent")]


def test_parent_not_judged_when_level_unreadable():
    """An unreadable level is the only problem: the parent code is not guessed at."""
    _org, problems = parse(level="???", parent="", bin="")
    assert codes(problems) == [(Field.LEVEL, "level_unknown")]


def test_bin_required_only_of_primary_organizations():
    """Districts, regions and groups may leave the BIN blank; primaries may not."""
    for level in ("district", "region", "group"):
        org, problems = parse(level=level, bin="")
        assert problems == [], level
        assert org is not None
    _org, problems = parse(level="primary", bin="")
    assert codes(problems) == [(Field.BIN, "bin_required")]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (BIN, BIN),
        (f"{BIN[:4]} {BIN[4:8]} {BIN[8:]}", BIN),
        (f" {BIN}\u00a0", BIN),
        (BIN[1:], BIN),
    ],
)
def test_bin_spaces_and_dropped_zero(written, expected):
    """Spaces are dropped, and a leading zero Excel dropped is restored."""
    assert clean_bin(written) == expected
    org, problems = parse(bin=written)
    assert problems == []
    assert org is not None
    assert org.bin == expected


def test_two_dropped_zeros_restored():
    """A BIN of a 2000 registration, stored as a number, loses two zeros."""
    value = make_bin("0003400012")
    assert clean_bin(value[2:]) == value


def test_dropped_zero_not_restored_when_padded_value_is_invalid():
    """Eleven digits that do not make a valid BIN when padded are a format fault."""
    broken = BIN[1:-1] + str((int(BIN[-1]) + 1) % 10)
    assert clean_bin(broken) == "bin_format"
    assert clean_bin("40512300012") == "bin_format"  # kind digit 1 once padded


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("123", "bin_format"),
        ("1234567890123", "bin_format"),
        ("05094000123x", "bin_format"),
        ("٠٥٠٩٤٠٠٠١٢٣٤", "bin_format"),
        ("051340001234", "bin_month"),
        ("050040001234", "bin_month"),
        ("050970001234", "bin_kind"),
        (BIN[:-1] + str((int(BIN[-1]) + 1) % 10), "bin_checksum"),
    ],
)
def test_bin_faults(written, code):
    """A written BIN that breaks a rule of kasipodaq.orgtree.bin names that rule."""
    _org, problems = parse(bin=written)
    assert codes(problems) == [(Field.BIN, code)]


def test_bin_check_agrees_with_the_model_validator():
    """On random 12 digits the parser and validate_bin accept and refuse alike."""
    rng = random.Random(1619)
    for _ in range(3000):
        value = "".join(rng.choice("0123456789") for _ in range(12))
        if rng.random() < 0.5:
            value = value[:2] + rng.choice(("01", "07", "12")) + "4" + value[5:]
        try:
            validate_bin(value)
        except ValidationError as exc:
            assert clean_bin(value) == exc.code, value
        else:
            assert clean_bin(value) == value


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("0", 0),
        ("17", 17),
        ("1 234", 1234),
        ("1\u00a0234", 1234),
        ("1234.0", 1234),
        ("1234.00", 1234),
        ("2147483647", 2147483647),
    ],
)
def test_employees_read(written, expected):
    """Employees are a whole number, with spaces or a zero fraction allowed."""
    assert clean_employees(written) == expected
    org, problems = parse(employees=written)
    assert problems == []
    assert org is not None
    assert org.employees == expected


@pytest.mark.parametrize(
    "written", ["-5", "12.5", "1,5", "1e3", "десять", "²", "１２", "2147483648"]
)
def test_employees_faults(written):
    """A negative, fractional, non-numeric or too large count is a problem."""
    assert clean_employees(written) is None
    _org, problems = parse(employees=written)
    assert codes(problems) == [(Field.EMPLOYEES, "employees_format")]


def test_several_problems_are_all_reported():
    """Every fault of a row is reported, in column order."""
    _org, problems = parse(
        code="",
        level="первичная",
        parent="",
        name_ru="",
        name_kk="",
        bin="123",
        sector="завод",
        employees="-1",
        opened="2030-01-01",
        closed="32.01.2020",
    )
    assert codes(problems) == [
        (Field.CODE, "required"),
        (Field.PARENT_CODE, "required"),
        (Field.NAME_RU, "required"),
        (Field.NAME_KK, "required"),
        (Field.BIN, "bin_format"),
        (Field.SECTOR, "sector_unknown"),
        (Field.EMPLOYEES, "employees_format"),
        (Field.OPENED_ON, "future_date"),
        (Field.CLOSED_ON, "date_format"),
    ]


def test_names_spaces_made_single():
    """Runs of spaces inside a name become one space."""
    org, _problems = parse(name_ru="ППО   школы  № 12")
    assert org is not None
    assert org.name_ru == "ППО школы № 12"


def test_short_row_reads_missing_cells_as_empty():
    """Cells past the end of a short row read as empty: only the first five given."""
    row = Row(3, cells(level="district")[:5])
    org, problems = parse_org_row(row, MAPPING, today=TODAY)
    assert problems == []
    assert org is not None
    assert (org.bin, org.sector, org.employees) == ("", "", None)


def test_columns_the_file_lacks_read_as_empty():
    """A file without optional columns parses with those values blank."""
    mapping = guess_mapping(HEADERS[:5], "orgs")
    org, problems = parse_org_row(
        Row(2, cells(level="region")[:5]), mapping, today=TODAY
    )
    assert problems == []
    assert org is not None
    assert org.level == Level.REGION


def test_parser_built_once_matches_the_function():
    """The parser built once per file gives what the one-row function gives."""
    parser = org_row_parser(MAPPING, today=TODAY)
    for values in ({}, {"code": ""}, {"bin": "1"}, {"level": "ЦК", "parent": ""}):
        row = Row(9, cells(**values))
        assert parser(row) == parse_org_row(row, MAPPING, today=TODAY)


ORG_CODES = (
    "level_unknown",
    "sector_unknown",
    "parent_is_self",
    "central_with_parent",
    "bin_required",
    "bin_format",
    "bin_month",
    "bin_kind",
    "bin_checksum",
    "employees_format",
    "closed_not_after_opened",
)


def test_every_organization_code_has_a_message():
    """Each organization problem reads as its own sentence naming the column."""
    assert set(ORG_CODES) <= set(MESSAGES)
    with translation.override("en"):
        for code in ORG_CODES:
            text = problem_message(RowProblem(2, Field.BIN, code), header="БИН")
            assert "«БИН»" in text
            assert text != "«БИН» is not valid."


def test_problem_message_names_organization_fields_without_a_header():
    """Without a header the organization field's own name stands in for it."""
    with translation.override("en"):
        text = problem_message(RowProblem(2, Field.PARENT_CODE, "required"))
        assert text == "«parent code» is empty: it is required."
    with translation.override("ru"):
        text = problem_message(RowProblem(2, Field.BIN, "bin_format"))
        assert "«БИН»" in text


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_interface_names_of_levels_and_sectors_are_recognised(language):
    """A level or sector written as the interface shows it, in any language, is read."""
    with translation.override(language):
        levels = [(str(label), value) for value, label in Level.choices]
        sectors = [(str(label), value) for value, label in Sector.choices]
    for label, value in levels:
        parent = "" if value == Level.CENTRAL else "00"
        org, problems = parse(level=label, parent=parent)
        assert problems == [], label
        assert org is not None
        assert org.level == value
    for label, value in sectors:
        org, problems = parse(sector=label)
        assert problems == [], label
        assert org is not None
        assert org.sector == value
