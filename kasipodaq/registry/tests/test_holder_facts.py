"""Every membership carries its holder's sex and date of birth, as the person has
them, whichever way it was written: what the membership form counts from."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from django.db import connection

from kasipodaq.registry.iin import FEMALE, MALE
from kasipodaq.registry.imports.tests.jobs import run_file
from kasipodaq.registry.models import Membership, Person
from kasipodaq.registry.services.people import details_of, edit_member
from kasipodaq.registry.services.transfers import move_all_members, transfer_membership
from kasipodaq.registry.tests.factories import Tree, valid_iin

ON = dt.date(2024, 3, 1)


def _differing() -> list[int]:
    """Memberships whose copy differs from their person's (none, always)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.id FROM registry_membership m
            JOIN registry_person p ON p.id = m.person_id
            WHERE m.sex <> p.sex OR m.birth_date <> p.birth_date
            """
        )
        return [row[0] for row in cursor.fetchall()]


def test_every_writer_of_memberships_copies_the_holders_facts(
    tree: Tree, tmp_path: Path
) -> None:
    admitted = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    moved = transfer_membership(
        actor=tree.admin, membership=admitted, to_unit=tree.primaries[1], on=ON
    )
    for _ in range(2):
        tree.admit(tree.primaries[2], joined_on=dt.date(2020, 1, 1))
    assert (
        move_all_members(
            actor=tree.admin,
            from_unit=tree.primaries[2],
            to_unit=tree.primaries[3],
            on=ON,
            note="merger",
        )
        == 2
    )
    iin = valid_iin(dt.date(1999, 5, 6), FEMALE)
    path = tmp_path / "members.csv"
    path.write_text(
        "ИИН;Фамилия;Имя;Код организации;Дата вступления;Дата выбытия;"
        "Причина выбытия\n"
        f"{iin};Ахметова;Айгуль;{tree.primaries[0].code};01.09.2015;01.09.2020;"
        "по собственному желанию\n"
        f"{iin};Ахметова;Айгуль;{tree.primaries[1].code};01.10.2020;;\n",
        encoding="utf-8",
    )
    run_file(tree.admin, path)

    assert Membership.objects.count() == 8  # 2 + 4 + 2
    assert moved.sex == moved.person.sex
    assert set(
        Membership.objects.filter(person__iin=iin).values_list("sex", "birth_date")
    ) == {(FEMALE, dt.date(1999, 5, 6))}
    assert _differing() == []


def test_a_corrected_iin_carries_over_to_every_period(tree: Tree) -> None:
    membership = tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    transfer_membership(
        actor=tree.admin, membership=membership, to_unit=tree.primaries[1], on=ON
    )
    person = Person.objects.get(pk=membership.person_id)
    corrected = valid_iin(dt.date(1971, 2, 3), MALE if person.sex == FEMALE else FEMALE)
    edit_member(
        actor=tree.admin,
        person=person,
        details=replace(details_of(person), iin=corrected, birth_date=None, sex=""),
    )
    person.refresh_from_db()
    assert person.birth_date == dt.date(1971, 2, 3)
    assert set(
        Membership.objects.filter(person=person).values_list("sex", "birth_date")
    ) == {(person.sex, dt.date(1971, 2, 3))}
    assert _differing() == []
