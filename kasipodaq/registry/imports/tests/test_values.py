"""Parsing one row of a member file into typed values and its problems."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import translation

from kasipodaq.core.checksum import check_digit
from kasipodaq.registry.iin import FEMALE, MALE, make_iin
from kasipodaq.registry.imports.headers import Field, guess_mapping
from kasipodaq.registry.imports.reading import Row
from kasipodaq.registry.imports.values import (
    MESSAGES,
    MemberRow,
    RowProblem,
    clean_iin,
    member_row_parser,
    parse_date,
    parse_member_row,
    problem_message,
)
from kasipodaq.registry.models import Category, LeaveReason

TODAY = dt.date(2026, 3, 15)
HEADERS = [
    "ИИН",
    "Фамилия",
    "Имя",
    "Отчество",
    "Телефон",
    "E-mail",
    "Код организации",
    "Категория",
    "Дата вступления",
    "Дата выбытия",
    "Причина выбытия",
]
MAPPING = guess_mapping(HEADERS, "members")


def iin(birth_date: dt.date = dt.date(1985, 5, 17), sex: str = FEMALE) -> str:
    """The first valid IIN with these facts."""
    for serial in range(10000):
        value = make_iin(birth_date, sex, serial)
        if value is not None:
            return value
    raise AssertionError("no IIN")


IIN = iin()


def cells(**values: str) -> dict[str, str]:
    """A valid row's cells by header, with some replaced."""
    row = {
        "ИИН": IIN,
        "Фамилия": "Ахметова",
        "Имя": "Айгерим",
        "Отчество": "Серіковна",
        "Телефон": "",
        "E-mail": "",
        "Код организации": "01-001",
        "Категория": "",
        "Дата вступления": "2010-09-01",
        "Дата выбытия": "",
        "Причина выбытия": "",
    }
    row.update({HEADER_OF[name]: value for name, value in values.items()})
    return row


HEADER_OF = {
    "iin": "ИИН",
    "last": "Фамилия",
    "first": "Имя",
    "patronymic": "Отчество",
    "phone": "Телефон",
    "email": "E-mail",
    "org": "Код организации",
    "category": "Категория",
    "joined": "Дата вступления",
    "left": "Дата выбытия",
    "reason": "Причина выбытия",
}


def parse_cells(
    values: dict[str, str], *, number: int = 7
) -> tuple[MemberRow | None, list[RowProblem]]:
    """Parse one row given by field shorthand over the standard headers."""
    row = cells(**values)
    return parse_member_row(
        Row(number, tuple(row[h] for h in HEADERS)), MAPPING, today=TODAY
    )


def parse(**values: str) -> tuple[MemberRow | None, list[RowProblem]]:
    return parse_cells(values)


def codes(problems: list[RowProblem]) -> list[tuple[Field, str]]:
    return [(problem.field, problem.code) for problem in problems]


def test_valid_row_gives_model_values():
    """A complete, valid row gives every value typed, with no problem."""
    member, problems = parse(
        phone="8 (701) 123-45-67",
        email="a.akhmetova@example.kz",
        category="Студент",
        left="15.06.2020",
        reason="по собственному желанию",
    )
    assert problems == []
    assert member == MemberRow(
        row_number=7,
        iin=IIN,
        last_name="Ахметова",
        first_name="Айгерим",
        patronymic="Серіковна",
        birth_date=dt.date(1985, 5, 17),
        sex=FEMALE,
        phone="87011234567",
        email="a.akhmetova@example.kz",
        org_code="01-001",
        category=Category.STUDENT,
        joined_on=dt.date(2010, 9, 1),
        left_on=dt.date(2020, 6, 15),
        leave_reason=LeaveReason.OWN_WISH,
    )


@pytest.mark.parametrize(
    ("field", "header"),
    [
        (Field.IIN, "iin"),
        (Field.LAST_NAME, "last"),
        (Field.FIRST_NAME, "first"),
        (Field.ORG_CODE, "org"),
        (Field.JOINED_ON, "joined"),
    ],
)
def test_required_values(field: Field, header: str) -> None:
    """An empty required cell is a problem of that field, and no row comes out."""
    member, problems = parse_cells({header: ""})
    assert member is None
    assert codes(problems) == [(field, "required")]


def test_patronymic_phone_email_category_may_be_blank():
    """Optional cells may be empty; a blank category is working."""
    member, problems = parse(patronymic="", phone="", email="", category="")
    assert problems == []
    assert member is not None
    assert member.patronymic == ""
    assert member.category == Category.WORKING


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (IIN, IIN),
        (f" {IIN[:6]} {IIN[6:]} ", IIN),
        (f"{IIN[:4]}\xa0{IIN[4:]}", IIN),
    ],
)
def test_iin_spaces_are_dropped(written, expected):
    """Spaces inside an IIN, ordinary or non-breaking, are ignored."""
    member, problems = parse(iin=written)
    assert problems == []
    assert member is not None
    assert member.iin == expected


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("12345", "iin_format"),
        ("1234567890123", "iin_format"),
        (IIN[:11] + "x", "iin_format"),
        ("85O517450012", "iin_format"),
        (IIN[:6] + "7" + IIN[7:], "iin_century"),
        ("851317" + IIN[6:], "iin_date"),
        (IIN[:11] + str((int(IIN[11]) + 1) % 10), "iin_checksum"),
    ],
)
def test_iin_faults(written, code):
    """A malformed IIN is reported with the code of its fault."""
    member, problems = parse(iin=written)
    assert member is None
    assert codes(problems) == [(Field.IIN, code)]


def test_iin_leading_zero_restored():
    """An 11-digit IIN of a 2000s birth gets back its leading zero."""
    full = iin(dt.date(2004, 2, 29), MALE)
    assert full.startswith("0")
    member, problems = parse(iin=full[1:], joined="2022-09-01")
    assert problems == []
    assert member is not None
    assert member.iin == full
    assert member.birth_date == dt.date(2004, 2, 29)
    assert member.sex == MALE


def test_iin_leading_zero_not_restored_when_check_digit_fails():
    """Eleven digits stay a fault when the padded value fails the check digit."""
    full = iin(dt.date(2004, 2, 29), MALE)
    broken = full[1:11] + str((int(full[11]) + 1) % 10)
    assert clean_iin("0" + broken) == "iin_checksum"
    assert clean_iin(broken) == "iin_format"
    _member, problems = parse(iin=broken, joined="2022-09-01")
    assert codes(problems) == [(Field.IIN, "iin_format")]


def test_eleven_digits_of_an_older_iin_are_not_padded():
    """Eleven digits cut from a 1900s IIN do not pass as a padded one."""
    assert clean_iin(IIN[1:]) == "iin_format"


def test_iin_padded_only_to_a_2000s_birth():
    """A padded value that would be a valid IIN of a 1900s birth is refused."""
    born_1905 = iin(dt.date(1905, 3, 1), MALE)
    assert born_1905.startswith("05")
    assert clean_iin(born_1905) == (born_1905, (dt.date(1905, 3, 1), MALE))
    assert clean_iin(born_1905[1:]) == "iin_format"


@pytest.mark.parametrize("birth_date", [dt.date(2000, 1, 5), dt.date(2000, 11, 5)])
def test_iin_several_leading_zeros_restored(birth_date):
    """A 2000 birth loses two or three zeros in a spreadsheet: all come back."""
    full = iin(birth_date, FEMALE)
    written = full.lstrip("0")
    assert len(written) in (9, 10)
    assert clean_iin(written) == (full, (birth_date, FEMALE))


def test_too_few_digits_not_padded():
    """Eight digits are never an IIN, padded or not."""
    assert clean_iin(iin(dt.date(2000, 1, 5), FEMALE)[4:]) == "iin_format"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2010-09-01", dt.date(2010, 9, 1)),
        ("2010-09-01 00:00:00", dt.date(2010, 9, 1)),
        ("01.09.2010", dt.date(2010, 9, 1)),
        ("1.9.2010", dt.date(2010, 9, 1)),
        ("01.09.10", dt.date(2010, 9, 1)),
        ("01.09.26", dt.date(2026, 9, 1)),
        ("01.09.27", dt.date(1927, 9, 1)),
        ("01.09.99", dt.date(1999, 9, 1)),
        ("01.09.00", dt.date(2000, 9, 1)),
        ("01/09/2010", dt.date(2010, 9, 1)),
        ("01-09-2010", dt.date(2010, 9, 1)),
    ],
)
def test_date_formats(written, expected):
    """ISO dates and the day-first formats staff type are read; two-digit years
    are of this century unless that is past this year."""
    assert parse_date(written, today=TODAY) == expected


@pytest.mark.parametrize(
    "written",
    [
        "2010-13-01",
        "31.02.2010",
        "2010/09/01",
        "01.09/2010",
        "01.09.201",
        "09-2010",
        "сентябрь 2010",
        "2010-09-01x",
        "40422",
    ],
)
def test_dates_not_read(written):
    """Anything else is not a date."""
    assert parse_date(written, today=TODAY) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"joined": "1.9.2010"}, []),
        ({"joined": "first of May"}, [(Field.JOINED_ON, "date_format")]),
        ({"joined": "16.03.2026"}, [(Field.JOINED_ON, "future_date")]),
        ({"joined": "15.03.2026"}, []),
        ({"joined": "1980-01-01"}, [(Field.JOINED_ON, "joined_before_birth")]),
        (
            {"left": "2030-01-01", "reason": "смерть"},
            [(Field.LEFT_ON, "future_date")],
        ),
        (
            {"left": "2010-09-01", "reason": "смерть"},
            [(Field.LEFT_ON, "left_not_after_joined")],
        ),
        (
            {"left": "2009-09-01", "reason": "смерть"},
            [(Field.LEFT_ON, "left_not_after_joined")],
        ),
        ({"left": "02.09.2010", "reason": "смерть"}, []),
        ({"left": "31.09.2010", "reason": "смерть"}, [(Field.LEFT_ON, "date_format")]),
        ({"left": "2015-01-01"}, [(Field.LEAVE_REASON, "reason_required")]),
        ({"reason": "смерть"}, [(Field.LEAVE_REASON, "reason_without_left")]),
        (
            {"left": "2015-01-01", "reason": "надоело"},
            [(Field.LEAVE_REASON, "reason_unknown")],
        ),
    ],
)
def test_period_rules(values, expected):
    """Dates of the period are read, not in the future, left after joined; a
    reason for leaving comes with a date of leaving and only with one."""
    member, problems = parse(**values)
    assert codes(problems) == expected
    assert (member is None) == bool(expected)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("работающий", Category.WORKING),
        ("Работник", Category.WORKING),
        ("раб.", Category.WORKING),
        ("жұмыс істейтін", Category.WORKING),
        ("Working", Category.WORKING),
        ("студент", Category.STUDENT),
        ("Обучающийся", Category.STUDENT),
        ("білім алушы", Category.STUDENT),
        ("student", Category.STUDENT),
        ("пенсионер", Category.PENSIONER),
        ("ПЕНСИОНЕР", Category.PENSIONER),
        ("зейнеткер", Category.PENSIONER),
        ("pensioner", Category.PENSIONER),
        ("неработающий", Category.NON_WORKING),
        ("не работающий", Category.NON_WORKING),
        ("жұмыс істемейтін", Category.NON_WORKING),
        ("Non-working", Category.NON_WORKING),
        ("non_working", Category.NON_WORKING),
    ],
)
def test_categories_in_three_languages(written, expected):
    """A category is recognised by its name in Russian, Kazakh or English."""
    member, problems = parse(category=written)
    assert problems == []
    assert member is not None
    assert member.category == expected


def test_unknown_category():
    """A category that is none of the known ones is a problem."""
    _member, problems = parse(category="ветеран")
    assert codes(problems) == [(Field.CATEGORY, "category_unknown")]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("По собственному желанию", LeaveReason.OWN_WISH),
        ("өз еркімен", LeaveReason.OWN_WISH),
        ("Own wish", LeaveReason.OWN_WISH),
        ("увольнение", LeaveReason.DISMISSAL),
        ("жұмыстан босату", LeaveReason.DISMISSAL),
        ("dismissal", LeaveReason.DISMISSAL),
        ("выход на пенсию", LeaveReason.RETIREMENT),
        ("зейнеткерлікке шығу", LeaveReason.RETIREMENT),
        ("Retirement", LeaveReason.RETIREMENT),
        ("смерть", LeaveReason.DEATH),
        ("қайтыс болды", LeaveReason.DEATH),
        ("death", LeaveReason.DEATH),
        ("Перевод", LeaveReason.TRANSFER),
        ("ауысу", LeaveReason.TRANSFER),
        ("transfer", LeaveReason.TRANSFER),
        ("ликвидация организации", LeaveReason.ORG_LIQUIDATED),
        ("ұйымның таратылуы", LeaveReason.ORG_LIQUIDATED),
        ("Organization liquidated", LeaveReason.ORG_LIQUIDATED),
        ("выход организации из профсоюза", LeaveReason.ORG_LEFT_UNION),
        ("ұйымның кәсіподақтан шығуы", LeaveReason.ORG_LEFT_UNION),
        ("Organization left the union", LeaveReason.ORG_LEFT_UNION),
        ("исключён из профсоюза", LeaveReason.EXPELLED),
        ("кәсіподақтан шығару", LeaveReason.EXPELLED),
        ("expelled", LeaveReason.EXPELLED),
    ],
)
def test_leave_reasons_in_three_languages(written, expected):
    """A reason for leaving is recognised by its name in Russian, Kazakh or English."""
    member, problems = parse(left="2015-01-01", reason=written)
    assert problems == []
    assert member is not None
    assert member.leave_reason == expected
    assert member.left_on == dt.date(2015, 1, 1)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("+7 (701) 123-45-67", "+77011234567"),
        ("8 701 123 45 67", "87011234567"),
        ("7011234567", "7011234567"),
    ],
)
def test_phones_normalised(written, expected):
    """A phone keeps its digits and a leading plus."""
    member, _problems = parse(phone=written)
    assert member is not None
    assert member.phone == expected


@pytest.mark.parametrize("written", ["123-45", "нет", "+7 701 123 45 67 89 012 34"])
def test_phone_faults(written):
    """Too few or too many digits is not a phone number."""
    _member, problems = parse(phone=written)
    assert codes(problems) == [(Field.PHONE, "phone_format")]


@pytest.mark.parametrize(
    ("written", "valid"),
    [
        ("a@b.kz", True),
        ("first.last+tag@mail.example.com", True),
        ("a@b", False),
        ("a b@c.kz", False),
        ("a@@b.kz", False),
        ("@b.kz", False),
        ("a@b..kz", False),
        ("a@.kz", False),
        ("x" * 250 + "@b.kz", False),
    ],
)
def test_email_syntax(written, valid):
    """An email needs a local part, an @ and a dotted domain, without spaces."""
    _member, problems = parse(email=written)
    assert codes(problems) == ([] if valid else [(Field.EMAIL, "email_format")])


FULL_NAME_HEADERS = ["ИИН", "Ф.И.О.", "Код ППО", "Дата приема"]


def full_name_row(name: str) -> tuple[MemberRow | None, list[RowProblem]]:
    mapping = guess_mapping(FULL_NAME_HEADERS, "members")
    return parse_member_row(
        Row(3, (IIN, name, "01-001", "01.09.2010")), mapping, today=TODAY
    )


def test_full_name_column_is_split():
    """A full-name column gives last name, first name and patronymic."""
    member, problems = full_name_row("Ахметова  Айгерим Серік қызы")
    assert problems == []
    assert member is not None
    assert (member.last_name, member.first_name, member.patronymic) == (
        "Ахметова",
        "Айгерим",
        "Серік қызы",
    )


@pytest.mark.parametrize("name", ["", "Ахметова"])
def test_full_name_incomplete(name):
    """A full name without a first name is a problem of the full-name column."""
    _member, problems = full_name_row(name)
    expected = "required" if not name else "full_name_incomplete"
    assert codes(problems) == [(Field.FULL_NAME, expected)]


def test_names_too_long():
    """Names longer than the registry holds are a problem."""
    _member, problems = parse(last="Я" * 101)
    assert codes(problems) == [(Field.LAST_NAME, "too_long")]


BIRTH_HEADERS = [*HEADERS, "Дата рождения", "Пол"]


def with_birth(birth: str, sex: str) -> list[RowProblem]:
    mapping = guess_mapping(BIRTH_HEADERS, "members")
    row = cells()
    values = (*(row[h] for h in HEADERS), birth, sex)
    return parse_member_row(Row(2, values), mapping, today=TODAY)[1]


@pytest.mark.parametrize(
    ("birth", "sex", "expected"),
    [
        ("17.05.1985", "Ж", []),
        ("1985-05-17", "жен", []),
        ("17.05.85", "F", []),
        ("", "әйел", []),
        ("17.05.1985", "", []),
        ("18.05.1985", "Ж", [(Field.BIRTH_DATE, "birth_date_mismatch")]),
        ("17.05.1985", "М", [(Field.SEX, "sex_mismatch")]),
        ("17.05.1985", "male", [(Field.SEX, "sex_mismatch")]),
        ("вчера", "?", [(Field.BIRTH_DATE, "date_format"), (Field.SEX, "sex_unknown")]),
    ],
)
def test_birth_date_and_sex_checked_against_iin(birth, sex, expected):
    """Birth date and sex columns, when present, must agree with the IIN."""
    assert codes(with_birth(birth, sex)) == expected


def test_several_problems_are_all_reported():
    """A row with many faults reports each of them, in column order, with its row."""
    member, problems = parse_cells(
        {
            "iin": "12345",
            "first": "",
            "org": "",
            "category": "ветеран",
            "joined": "2030-01-01",
            "left": "вчера",
            "reason": "надоело",
            "phone": "1",
            "email": "nope",
        },
        number=42,
    )
    assert member is None
    assert {problem.row_number for problem in problems} == {42}
    assert codes(problems) == [
        (Field.IIN, "iin_format"),
        (Field.FIRST_NAME, "required"),
        (Field.ORG_CODE, "required"),
        (Field.CATEGORY, "category_unknown"),
        (Field.JOINED_ON, "future_date"),
        (Field.LEFT_ON, "date_format"),
        (Field.LEAVE_REASON, "reason_unknown"),
        (Field.PHONE, "phone_format"),
        (Field.EMAIL, "email_format"),
    ]


def test_short_row_reads_missing_cells_as_empty():
    """A row shorter than the header row has empty cells past its end."""
    member, problems = parse_member_row(
        Row(2, (IIN, "Ахметова", "Айгерим")), MAPPING, today=TODAY
    )
    assert member is None
    assert codes(problems) == [
        (Field.ORG_CODE, "required"),
        (Field.JOINED_ON, "required"),
    ]


def test_parser_built_once_matches_the_function():
    """The reusable parser gives what the one-row function gives."""
    parser = member_row_parser(MAPPING, today=TODAY)
    row = Row(5, tuple(cells().values()))
    assert parser(row) == parse_member_row(row, MAPPING, today=TODAY)


def test_every_code_has_a_message():
    """Each problem code is translated, naming the column by header or field."""
    problem = RowProblem(3, Field.JOINED_ON, "future_date")
    with translation.override("en"):
        assert problem_message(problem, header="Дата приема") == (
            "«Дата приема» is a date in the future."
        )
        assert problem_message(problem) == "«joined on» is a date in the future."
        for code in MESSAGES:
            text = problem_message(RowProblem(1, Field.IIN, code), header="ИИН")
            assert "«ИИН»" in text


def test_the_check_digit_is_the_standards_two_weightings():
    """The check digit as the standard writes it, digit by digit, for every kind
    of input: the first weighting, else the second, else none."""
    rng = random.Random(11)
    samples = [f"{rng.randrange(10**11):011d}" for _ in range(20000)]

    def written_out(first: str) -> int | None:
        for start in (1, 3):
            weights = [(start - 1 + i) % 11 + 1 for i in range(11)]
            rest = sum(int(c) * w for c, w in zip(first, weights, strict=True)) % 11
            if rest != 10:
                return rest
        return None

    results = {check_digit(sample) for sample in samples}
    assert None in results
    assert results - {None} == set(range(10))
    for sample in samples:
        assert check_digit(sample) == written_out(sample)
