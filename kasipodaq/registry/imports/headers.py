"""Recognising the columns of an import file from the headers union staff write.

Headers are compared case-, whitespace- and punctuation-insensitively («Ф.И.О.»,
«ФИО» and «фио» are one header), in Russian, Kazakh and English. A header may run on
past a known spelling («ИИН сотрудника», «Дата вступления в профсоюз»): the longest
known spelling it starts with, word for word, decides. The first column recognised
for a field wins; a later one naming the same field is reported as unrecognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Kind = Literal["members", "orgs"]


class Field(StrEnum):
    """The canonical fields of member and organization files, shared by the import."""

    # Member files.
    IIN = "iin"
    LAST_NAME = "last_name"
    FIRST_NAME = "first_name"
    PATRONYMIC = "patronymic"
    FULL_NAME = "full_name"
    PHONE = "phone"
    EMAIL = "email"
    ORG_CODE = "org_code"
    CATEGORY = "category"
    JOINED_ON = "joined_on"
    LEFT_ON = "left_on"
    LEAVE_REASON = "leave_reason"
    BIRTH_DATE = "birth_date"
    SEX = "sex"
    # Organization files.
    CODE = "code"
    PARENT_CODE = "parent_code"
    LEVEL = "level"
    NAME_RU = "name_ru"
    NAME_KK = "name_kk"
    BIN = "bin"
    SECTOR = "sector"
    EMPLOYEES = "employees"
    OPENED_ON = "opened_on"
    CLOSED_ON = "closed_on"
    PLACED_FROM = "placed_from"


MEMBER_SPELLINGS: dict[Field, tuple[str, ...]] = {
    Field.IIN: ("ИИН", "ЖСН", "IIN", "ИИН сотрудника", "ИИН работника", "ИИН члена"),
    Field.LAST_NAME: ("Фамилия", "Тегі", "Тек", "Last name", "Surname", "Family name"),
    Field.FIRST_NAME: ("Имя", "Аты", "Есімі", "First name", "Given name"),
    Field.PATRONYMIC: (
        "Отчество",
        "Әкесінің аты",
        "Экесинин аты",
        "Patronymic",
        "Middle name",
    ),
    Field.FULL_NAME: (
        "ФИО",
        "Ф.И.О.",
        "Фамилия Имя Отчество",
        "Фамилия, имя, отчество",
        "Аты-жөні",
        "Аты жөні",
        "Тегі аты әкесінің аты",
        "Full name",
    ),
    Field.PHONE: (
        "Телефон",
        "Тел.",
        "Тел",
        "Моб. телефон",
        "Мобильный телефон",
        "Сотовый",
        "Телефон нөмірі",
        "Phone",
        "Mobile",
        "Telephone",
    ),
    Field.EMAIL: (
        "E-mail",
        "Email",
        "Эл. почта",
        "Электронная почта",
        "Эл. пошта",
        "Электрондық пошта",
        "Почта",
        "Mail",
    ),
    Field.ORG_CODE: (
        "Код организации",
        "Код ППО",
        "Код первичной организации",
        "Код профорганизации",
        "Ұйым коды",
        "Бастауыш ұйым коды",
        "Organization code",
        "Organisation code",
        "Org code",
    ),
    Field.CATEGORY: ("Категория", "Санат", "Санаты", "Category"),
    Field.JOINED_ON: (
        "Дата вступления",
        "Дата приема",
        "Дата приёма",
        "Дата вступления в профсоюз",
        "Кіру күні",
        "Кірген күні",
        "Joined",
        "Joined on",
        "Date joined",
        "Join date",
    ),
    Field.LEFT_ON: (
        "Дата выбытия",
        "Дата выхода",
        "Дата исключения",
        "Шығу күні",
        "Шыққан күні",
        "Left",
        "Left on",
        "Date left",
        "Leave date",
    ),
    Field.LEAVE_REASON: (
        "Причина выбытия",
        "Причина выхода",
        "Шығу себебі",
        "Leave reason",
        "Reason for leaving",
    ),
    # Optional: when present, checked against the IIN, which decides.
    Field.BIRTH_DATE: (
        "Дата рождения",
        "Туған күні",
        "Туылған күні",
        "Birth date",
        "Date of birth",
        "Birthday",
    ),
    Field.SEX: ("Пол", "Жынысы", "Жыныс", "Sex", "Gender"),
}

ORG_SPELLINGS: dict[Field, tuple[str, ...]] = {
    Field.CODE: ("Код", "Код организации", "Ұйым коды", "Коды", "Code"),
    Field.PARENT_CODE: (
        "Код вышестоящей",
        "Код вышестоящей организации",
        "Код родителя",
        "Жоғары тұрған ұйым коды",
        "Жоғары ұйым коды",
        "Parent code",
        "Parent",
    ),
    Field.LEVEL: ("Уровень", "Деңгей", "Деңгейі", "Level"),
    Field.NAME_RU: (
        "Наименование (рус)",
        "Наименование",
        "Наименование на русском",
        "Название",
        "Атауы (орыс)",
        "Name (ru)",
        "Name ru",
        "Russian name",
        "Name",
    ),
    Field.NAME_KK: (
        "Атауы (қаз)",
        "Атауы",
        "Наименование (каз)",
        "Наименование (қаз)",
        "Наименование на казахском",
        "Name (kk)",
        "Name kk",
        "Name (kz)",
        "Kazakh name",
    ),
    Field.BIN: ("БИН", "БСН", "BIN", "БИН работодателя", "БИН организации"),
    Field.SECTOR: ("Отрасль", "Сала", "Саласы", "Sector", "Industry"),
    Field.EMPLOYEES: (
        "Численность работников",
        "Численность",
        "Количество работников",
        "Кол-во работников",
        "Қызметкерлер саны",
        "Жұмыскерлер саны",
        "Employees",
        "Number of employees",
        "Headcount",
    ),
    Field.OPENED_ON: (
        "Дата открытия",
        "Дата создания",
        "Ашылған күні",
        "Құрылған күні",
        "Opened",
        "Opened on",
        "Date opened",
    ),
    Field.CLOSED_ON: (
        "Дата закрытия",
        "Дата ликвидации",
        "Жабылған күні",
        "Closed",
        "Closed on",
        "Date closed",
    ),
    # Optional: the date a unit came under the parent of its row. A unit that
    # moved has a row for each parent it stood under.
    Field.PLACED_FROM: (
        "В составе с",
        "В составе с даты",
        "Дата перевода",
        "Дата перемещения",
        "Құрамына енген күні",
        "Құрамында болған күнінен бастап",
        "Ауыстырылған күні",
        "Under this parent from",
        "Placed from",
        "Moved on",
        "Date moved",
    ),
}

MEMBER_REQUIRED = (
    Field.IIN,
    Field.LAST_NAME,
    Field.FIRST_NAME,
    Field.ORG_CODE,
    Field.JOINED_ON,
)
ORG_REQUIRED = (
    Field.CODE,
    Field.PARENT_CODE,
    Field.LEVEL,
    Field.NAME_RU,
    Field.NAME_KK,
)

SPELLINGS: dict[str, dict[Field, tuple[str, ...]]] = {
    "members": MEMBER_SPELLINGS,
    "orgs": ORG_SPELLINGS,
}
REQUIRED: dict[str, tuple[Field, ...]] = {
    "members": MEMBER_REQUIRED,
    "orgs": ORG_REQUIRED,
}

WORD = re.compile(r"\w+")


def header_words(header: str) -> list[str]:
    """The words of a header, lower-cased, «ё» read as «е», punctuation dropped."""
    return WORD.findall(header.casefold().replace("ё", "е").replace("_", " "))


def _index(spellings: dict[Field, tuple[str, ...]]) -> dict[str, Field]:
    index: dict[str, Field] = {}
    for canonical, names in spellings.items():
        for name in names:
            index.setdefault("".join(header_words(name)), canonical)
    return index


INDEXES = {kind: _index(spellings) for kind, spellings in SPELLINGS.items()}


def recognise_header(header: str, kind: Kind) -> Field | None:
    """The field a header names in a file of this kind, or None."""
    index = INDEXES[kind]
    words = header_words(header)
    for end in range(len(words), 0, -1):
        found = index.get("".join(words[:end]))
        if found is not None:
            return found
    return None


@dataclass
class ColumnMapping:
    """Which column holds each canonical field, and what could not be placed."""

    columns: dict[Field, int | None]
    unrecognised: list[tuple[int, str]] = field(default_factory=list)
    missing: list[Field] = field(default_factory=list)

    def index(self, canonical: Field) -> int | None:
        """The column of a field, or None when the file has none."""
        return self.columns.get(canonical)


def guess_mapping(headers: list[str], kind: Kind) -> ColumnMapping:
    """Map a file's headers onto the canonical fields of a member or organization file.

    A combined full-name column stands in for the last and first names.
    """
    columns: dict[Field, int | None] = dict.fromkeys(SPELLINGS[kind], None)
    unrecognised: list[tuple[int, str]] = []
    for position, header in enumerate(headers):
        canonical = recognise_header(header, kind)
        if canonical is None or columns[canonical] is not None:
            if header.strip():
                unrecognised.append((position, header))
            continue
        columns[canonical] = position
    full_name = columns.get(Field.FULL_NAME) is not None
    missing = [
        required
        for required in REQUIRED[kind]
        if columns[required] is None
        and not (full_name and required in (Field.LAST_NAME, Field.FIRST_NAME))
    ]
    return ColumnMapping(columns=columns, unrecognised=unrecognised, missing=missing)


def split_full_name(value: str) -> tuple[str, str, str]:
    """Split «Фамилия Имя Отчество» into last name, first name and patronymic.

    A Kazakh patronymic written as two words («Серік қызы», «Серік ұлы») stays whole;
    any further words go to the patronymic too.
    """
    words = value.split()
    last = words[0] if words else ""
    first = words[1] if len(words) > 1 else ""
    return last, first, " ".join(words[2:])
