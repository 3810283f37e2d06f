import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.core.errors import PermissionRefused
from kasipodaq.registry.errors import RegistryRefusal
from kasipodaq.registry.models import LeaveReason, Membership, Person
from kasipodaq.registry.services.admission import admit_member
from kasipodaq.registry.services.people import delete_person, edit_member
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.services.transfers import transfer_membership
from kasipodaq.registry.tests.factories import grant, person_details, valid_iin

pytestmark = pytest.mark.django_db


def test_admission_derives_birth_date_and_sex_and_audits(tree):
    """Admission fills birth date and sex from the IIN and audits both rows."""
    iin = valid_iin(dt.date(1990, 2, 3), "M")
    membership = tree.admit(tree.primaries[0], iin=iin, birth_date=None, sex="")
    person = membership.person
    assert (person.birth_date, person.sex) == (dt.date(1990, 2, 3), "M")
    assert person.current_membership == membership
    actions = set(
        AuditEvent.objects.filter(person_id=person.pk).values_list("action", flat=True)
    )
    # The card issued with the membership (kasipodaq.cards) is audited as well.
    assert actions == {
        AuditAction.PERSON_CREATED,
        AuditAction.MEMBERSHIP_STARTED,
        AuditAction.CARD_ISSUED,
    }


def test_birth_date_contradicting_iin_is_refused_and_nothing_written(tree):
    """A birth date that contradicts the IIN is refused and no row is written."""
    with pytest.raises(RegistryRefusal) as exc:
        tree.admit(
            tree.primaries[0],
            iin=valid_iin(dt.date(1985, 5, 17)),
            birth_date=dt.date(1970, 1, 1),
        )
    assert exc.value.field == "birth_date"
    assert not Person.objects.exists()


def test_second_active_membership_is_refused(tree):
    """A person already in the union cannot be admitted again elsewhere."""
    first = tree.admit(tree.primaries[0])
    with pytest.raises(RegistryRefusal):
        tree.admit(tree.primaries[1], iin=first.person.iin)
    assert Membership.objects.count() == 1


def test_database_enforces_one_active_membership(tree):
    """The database itself refuses a second open membership for one person."""
    first = tree.admit(tree.primaries[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=first.person,
            org_unit=tree.primaries[1],
            joined_on=dt.date(2021, 1, 1),
            category="working",
            join_method="paper",
        )


def test_members_are_kept_only_in_primary_organizations(tree):
    with pytest.raises(RegistryRefusal) as exc:
        tree.admit(tree.districts[0])
    assert exc.value.field == "org_unit"


def test_transfer_keeps_membership_continuous(tree):
    """A transfer closes one membership the day the next begins."""
    old = tree.admit(tree.primaries[0], joined_on=dt.date(2019, 1, 10))
    on = dt.date(2022, 3, 1)
    new = transfer_membership(
        actor=tree.admin, membership=old, to_unit=tree.primaries[3], on=on
    )
    old.refresh_from_db()
    assert (old.left_on, old.leave_reason) == (on, LeaveReason.TRANSFER)
    assert (new.joined_on, new.transferred_from_id) == (on, old.pk)
    person = Person.objects.get(pk=old.person_id)
    assert person.current_membership_id == new.pk
    for day in (dt.date(2022, 2, 28), on, dt.date(2023, 1, 1)):
        assert Membership.objects.filter(person=person).active_on(day).count() == 1


def test_transfer_into_non_primary_is_refused(tree):
    old = tree.admit(tree.primaries[0])
    with pytest.raises(RegistryRefusal) as exc:
        transfer_membership(
            actor=tree.admin,
            membership=old,
            to_unit=tree.districts[1],
            on=dt.date(2022, 1, 1),
        )
    assert exc.value.field == "to_unit"
    old.refresh_from_db()
    assert old.left_on is None


def test_district_chair_cannot_transfer_out_of_district(tree):
    """Both ends of a transfer must lie in the actor's subtree."""
    chair = grant(Role.CHAIR, tree.districts[0])
    old = tree.admit(tree.primaries[0])
    with pytest.raises(PermissionRefused):
        transfer_membership(
            actor=chair,
            membership=old,
            to_unit=tree.primaries[2],
            on=dt.date(2022, 1, 1),
        )
    new = transfer_membership(
        actor=chair, membership=old, to_unit=tree.primaries[1], on=dt.date(2022, 1, 1)
    )
    assert new.org_unit == tree.primaries[1]


def test_figures_as_of_past_dates_are_exact(tree):
    """Membership intervals make any past date's count exact."""
    a = tree.admit(tree.primaries[0], joined_on=dt.date(2018, 1, 1))
    tree.admit(tree.primaries[0], joined_on=dt.date(2020, 1, 1))
    end_membership(
        actor=tree.admin, membership=a, on=dt.date(2021, 1, 1), reason="own_wish"
    )
    active = Membership.objects.in_subtree(tree.central)
    assert active.active_on(dt.date(2017, 12, 31)).count() == 0
    assert active.active_on(dt.date(2019, 6, 1)).count() == 1
    assert active.active_on(dt.date(2020, 6, 1)).count() == 2
    assert active.active_on(dt.date(2021, 1, 1)).count() == 1


def test_readmission_may_not_overlap_previous_membership(tree):
    a = tree.admit(tree.primaries[0], joined_on=dt.date(2018, 1, 1))
    end_membership(
        actor=tree.admin, membership=a, on=dt.date(2021, 1, 1), reason="own_wish"
    )
    with pytest.raises(RegistryRefusal):
        tree.admit(tree.primaries[1], iin=a.person.iin, joined_on=dt.date(2020, 1, 1))
    again = tree.admit(
        tree.primaries[1], iin=a.person.iin, joined_on=dt.date(2022, 1, 1)
    )
    assert again.person_id == a.person_id


def test_edit_records_before_and_after(tree):
    m = tree.admit(tree.primaries[0])
    details = person_details(
        iin=m.person.iin, last_name="Иванова", phone="+7 701 000 00 00"
    )
    edit_member(
        actor=tree.admin, person=m.person, details=details, category="pensioner"
    )
    event = AuditEvent.objects.filter(action=AuditAction.PERSON_UPDATED).get()
    assert event.before == {"last_name": "Ахметова", "phone": ""}
    assert event.after == {"last_name": "Иванова", "phone": "+7 701 000 00 00"}
    assert AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_UPDATED).exists()


def test_primary_chair_cannot_admit_elsewhere(tree):
    chair = grant(Role.PRIMARY_CHAIR, tree.primaries[0])
    with pytest.raises(PermissionRefused):
        admit_member(
            actor=chair,
            unit=tree.primaries[1],
            details=person_details(),
            joined_on=dt.date(2022, 1, 1),
            category="working",
        )
    assert not Person.objects.exists()


def test_erasing_is_refused_when_history_lies_in_another_district(tree):
    """Erasing a person removes every membership: a district chair may not erase
    one whose history lies partly in another district, whose records and past
    figures it would change. Nothing is erased."""
    chair = grant(Role.CHAIR, tree.districts[0])
    came = tree.admit(tree.primaries[2], joined_on=dt.date(2019, 1, 10))
    transfer_membership(
        actor=tree.admin, membership=came, to_unit=tree.primaries[0], on=on_2021()
    )
    person = Person.objects.get(pk=came.person_id)
    with pytest.raises(RegistryRefusal) as exc:
        delete_person(actor=chair, person=person)
    assert tree.primaries[2].name not in str(exc.value.message)
    assert Person.objects.filter(pk=person.pk).exists()
    assert Membership.objects.filter(person=person).count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_DELETED).exists()
    delete_person(actor=tree.admin, person=person)
    assert not Person.objects.filter(pk=person.pk).exists()


def test_erasing_a_record_kept_entirely_in_ones_district_is_allowed(tree):
    """A transfer inside the district leaves the record the chair's to erase."""
    chair = grant(Role.CHAIR, tree.districts[0])
    first = tree.admit(tree.primaries[0], joined_on=dt.date(2019, 1, 10))
    transfer_membership(
        actor=chair, membership=first, to_unit=tree.primaries[1], on=on_2021()
    )
    delete_person(actor=chair, person=Person.objects.get(pk=first.person_id))
    assert not Membership.objects.exists()


def on_2021() -> dt.date:
    return dt.date(2021, 3, 1)


def test_overlap_refusal_tells_no_date_of_a_record_outside_ones_area(tree):
    """Admitting a former member of another district too early is refused without
    the day their membership there ended: a record the chair may not read. Whoever
    may read it is told the day."""
    left_on = dt.date(2021, 1, 1)
    former = tree.admit(tree.primaries[2], joined_on=dt.date(2018, 1, 1))
    end_membership(actor=tree.admin, membership=former, on=left_on, reason="own_wish")
    chair = grant(Role.CHAIR, tree.districts[0])
    admission = {
        "unit": tree.primaries[0],
        "details": person_details(iin=former.person.iin),
        "joined_on": dt.date(2020, 1, 1),
        "category": "working",
    }
    with pytest.raises(RegistryRefusal) as exc:
        admit_member(actor=chair, **admission)
    assert exc.value.field == "joined_on"
    assert str(left_on) not in str(exc.value.message)
    assert "2021" not in str(exc.value.message)
    with pytest.raises(RegistryRefusal) as exc:
        admit_member(actor=tree.admin, **admission)
    assert str(left_on) in str(exc.value.message)
    assert Membership.objects.count() == 1
