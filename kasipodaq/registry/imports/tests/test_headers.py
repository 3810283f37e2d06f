"""Recognising import file headers and splitting full names."""

from __future__ import annotations

import pytest

from kasipodaq.registry.imports.headers import (
    Field,
    guess_mapping,
    recognise_header,
    split_full_name,
)

MEMBER_HEADERS = [
    ("ИИН", Field.IIN),
    ("ЖСН", Field.IIN),
    ("IIN", Field.IIN),
    ("ИИН сотрудника", Field.IIN),
    ("  иин  ", Field.IIN),
    ("Фамилия", Field.LAST_NAME),
    ("Тегі", Field.LAST_NAME),
    ("Last name", Field.LAST_NAME),
    ("LAST_NAME", Field.LAST_NAME),
    ("Имя", Field.FIRST_NAME),
    ("Аты", Field.FIRST_NAME),
    ("First name", Field.FIRST_NAME),
    ("Отчество", Field.PATRONYMIC),
    ("Әкесінің аты", Field.PATRONYMIC),
    ("Ф.И.О.", Field.FULL_NAME),
    ("ФИО", Field.FULL_NAME),
    ("Ф. И. О. работника", Field.FULL_NAME),
    ("Аты-жөні", Field.FULL_NAME),
    ("Full name", Field.FULL_NAME),
    ("Телефон", Field.PHONE),
    ("Тел.", Field.PHONE),
    ("Phone", Field.PHONE),
    ("E-mail", Field.EMAIL),
    ("Email", Field.EMAIL),
    ("Эл. почта", Field.EMAIL),
    ("Код организации", Field.ORG_CODE),
    ("Код ППО", Field.ORG_CODE),
    ("Ұйым коды", Field.ORG_CODE),
    ("Категория", Field.CATEGORY),
    ("Дата вступления", Field.JOINED_ON),
    ("Дата вступления в профсоюз", Field.JOINED_ON),
    ("Дата приема", Field.JOINED_ON),
    ("Дата приёма", Field.JOINED_ON),
    ("Кіру күні", Field.JOINED_ON),
    ("Дата выбытия", Field.LEFT_ON),
    ("Дата выхода", Field.LEFT_ON),
    ("Причина выбытия", Field.LEAVE_REASON),
]

ORG_HEADERS = [
    ("Код", Field.CODE),
    ("Код организации", Field.CODE),
    ("Код вышестоящей", Field.PARENT_CODE),
    ("Код вышестоящей организации", Field.PARENT_CODE),
    ("Уровень", Field.LEVEL),
    ("Наименование (рус)", Field.NAME_RU),
    ("Наименование", Field.NAME_RU),
    ("Атауы (қаз)", Field.NAME_KK),
    ("Наименование (каз)", Field.NAME_KK),
    ("БИН", Field.BIN),
    ("БСН", Field.BIN),
    ("Отрасль", Field.SECTOR),
    ("Численность работников", Field.EMPLOYEES),
    ("Дата открытия", Field.OPENED_ON),
    ("Дата закрытия", Field.CLOSED_ON),
    ("В составе с", Field.PLACED_FROM),
    ("Дата перевода", Field.PLACED_FROM),
    ("Құрамына енген күні", Field.PLACED_FROM),
    ("Under this parent from", Field.PLACED_FROM),
    ("Placed from", Field.PLACED_FROM),
    ("Moved on", Field.PLACED_FROM),
]


@pytest.mark.parametrize(("header", "expected"), MEMBER_HEADERS)
def test_member_headers_are_recognised(header, expected):
    """Every common spelling of a member file's header names its field."""
    assert recognise_header(header, "members") == expected


@pytest.mark.parametrize(("header", "expected"), ORG_HEADERS)
def test_org_headers_are_recognised(header, expected):
    """Every common spelling of an organization file's header names its field."""
    assert recognise_header(header, "orgs") == expected


@pytest.mark.parametrize("header", ["", "Примечание", "Дата", "Mailing address", "Код"])
def test_unknown_member_headers_are_not_guessed(header):
    """A header that only resembles a known one is not recognised."""
    assert recognise_header(header, "members") is None


def test_mapping_of_a_member_file():
    """Each field gets its column; unknown and repeated columns are listed; a full-name
    column stands in for the last and first names."""
    mapping = guess_mapping(
        ["№", "Ф.И.О.", "ИИН", "Примечание", "Тел.", "Телефон", "Код ППО"], "members"
    )
    assert mapping.index(Field.FULL_NAME) == 1
    assert mapping.index(Field.IIN) == 2
    assert mapping.index(Field.PHONE) == 4
    assert mapping.index(Field.ORG_CODE) == 6
    assert mapping.index(Field.LAST_NAME) is None
    assert mapping.unrecognised == [(0, "№"), (3, "Примечание"), (5, "Телефон")]
    assert mapping.missing == [Field.JOINED_ON]
    assert set(mapping.columns) >= {Field.IIN, Field.LEAVE_REASON}
    assert Field.CODE not in mapping.columns


def test_mapping_without_names_misses_them():
    """With neither name columns nor a full name, both names are missing."""
    mapping = guess_mapping(["ИИН", "Код организации", "Дата приема", ""], "members")
    assert mapping.missing == [Field.LAST_NAME, Field.FIRST_NAME]
    assert mapping.unrecognised == []


def test_mapping_of_an_org_file():
    """An organization file with every column is complete."""
    headers = [header for header, _field in ORG_HEADERS]
    mapping = guess_mapping(headers, "orgs")
    assert mapping.missing == []
    assert mapping.index(Field.CODE) == 0
    assert mapping.index(Field.PARENT_CODE) == 2
    assert mapping.index(Field.NAME_KK) == 7
    assert mapping.index(Field.PLACED_FROM) == 15
    # Later spellings of fields already placed are listed as unrecognised.
    assert [position for position, _header in mapping.unrecognised] == [
        1,
        3,
        6,
        8,
        10,
        16,
        17,
        18,
        19,
        20,
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ахметов Ерлан Серікұлы", ("Ахметов", "Ерлан", "Серікұлы")),
        ("Ахметова Айгуль Серік қызы", ("Ахметова", "Айгуль", "Серік қызы")),
        ("Нурланов Арман Нурлан ұлы", ("Нурланов", "Арман", "Нурлан ұлы")),
        ("Иванова  Мария   Петровна ", ("Иванова", "Мария", "Петровна")),
        ("Smith John", ("Smith", "John", "")),
        ("Ким", ("Ким", "", "")),
        ("", ("", "", "")),
        ("Петрова-Водкина Анна Ивановна", ("Петрова-Водкина", "Анна", "Ивановна")),
    ],
)
def test_split_full_name(value, expected):
    """Last, first and patronymic; a two-word Kazakh patronymic stays together."""
    assert split_full_name(value) == expected
