"""A person's details: checked against the IIN, changed with an audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.audit.models import AuditAction
from kasipodaq.audit.recording import diff, record, snapshot
from kasipodaq.core.dates import today

from ..errors import RegistryRefusal
from ..iin import parse_iin
from ..models import Category, Membership, Person


@dataclass(frozen=True)
class PersonDetails:
    """What staff enter about a person. Birth date and sex may be left to the IIN."""

    iin: str
    last_name: str
    first_name: str
    patronymic: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    phone: str = ""
    email: str = ""
    position: str = ""
    consent_given_on: dt.date | None = None
    consent_text_version: str = ""


PERSON_FIELDS = [f.name for f in fields(PersonDetails)]


def check_details(details: PersonDetails) -> PersonDetails:
    """The details with birth date and sex taken from the IIN, or a refusal.

    What was entered is cross-checked against what the IIN encodes.
    """
    try:
        facts = parse_iin(details.iin)
    except ValidationError as exc:
        raise RegistryRefusal(exc.messages[0], field="iin") from None
    if details.birth_date and details.birth_date != facts.birth_date:
        raise RegistryRefusal(
            _("The date of birth %(entered)s contradicts the IIN, which gives %(iin)s.")
            % {"entered": details.birth_date, "iin": facts.birth_date},
            field="birth_date",
        )
    if details.sex and details.sex != facts.sex:
        raise RegistryRefusal(_("The sex entered contradicts the IIN."), field="sex")
    if facts.birth_date > today():
        raise RegistryRefusal(
            _("The IIN gives a date of birth in the future."), field="iin"
        )
    if not details.last_name.strip() or not details.first_name.strip():
        field = "last_name" if not details.last_name.strip() else "first_name"
        raise RegistryRefusal(_("Last and first name are required."), field=field)
    checked = replace(details, birth_date=facts.birth_date, sex=facts.sex)
    _validate_fields(checked)
    return checked


def _validate_fields(details: PersonDetails) -> None:
    try:
        Person(**asdict(details)).full_clean(
            exclude=["iin", "current_membership"], validate_unique=False
        )
    except ValidationError as exc:
        raise RegistryRefusal.from_validation_error(exc) from None


def details_of(person: Person) -> PersonDetails:
    return PersonDetails(**{name: getattr(person, name) for name in PERSON_FIELDS})


def apply_details(*, actor: Any, person: Person, details: PersonDetails) -> Person:
    """Write checked details onto an existing person, auditing what changed."""
    before = snapshot(person, PERSON_FIELDS)
    for name in PERSON_FIELDS:
        setattr(person, name, getattr(details, name))
    old, new = diff(before, snapshot(person, PERSON_FIELDS))
    if new:
        if (
            "iin" in new
            and Person.objects.filter(iin=person.iin).exclude(pk=person.pk).exists()
        ):
            raise RegistryRefusal(
                _("Another person already has this IIN."), field="iin"
            )
        person.save(update_fields=[*new, "updated_at"])
        if "birth_date" in new or "sex" in new:  # a corrected IIN
            Membership.objects.filter(person=person).update(
                sex=person.sex, birth_date=person.birth_date
            )
        record(
            actor=actor,
            action=AuditAction.PERSON_UPDATED,
            target=person,
            person_id=person.pk,
            before=old,
            after=new,
        )
    return person


@transaction.atomic
def edit_member(
    *, actor: Any, person: Person, details: PersonDetails, category: str | None = None
) -> Person:
    """Correct a member's details and, optionally, their current category."""
    membership = person.current_membership
    if membership is None:
        raise RegistryRefusal(_("This person has no membership record."))
    policy.require(actor, Perm.MEMBER_MANAGE, unit=membership.org_unit)
    person = Person.objects.select_for_update().get(pk=person.pk)
    apply_details(actor=actor, person=person, details=check_details(details))
    if category and category != membership.category:
        if category not in Category.values:
            raise RegistryRefusal(_("Unknown category."), field="category")
        if not membership.is_active:
            raise RegistryRefusal(
                _("The category of an ended membership cannot change."),
                field="category",
            )
        record(
            actor=actor,
            action=AuditAction.MEMBERSHIP_UPDATED,
            target=membership,
            person_id=person.pk,
            before={"category": membership.category},
            after={"category": category},
        )
        membership.category = category
        membership.save(update_fields=["category"])
    return person


@transaction.atomic
def delete_person(*, actor: Any, person: Person) -> None:
    """Erase a person entered in error, with every membership, keeping the trail.

    Every membership goes, so the actor must keep every organization the person
    was ever a member of: erasing must not change another subtree's records.
    """
    membership = person.current_membership
    if membership is None or not policy.has_perm(
        actor, Perm.MEMBER_MANAGE, unit=membership.org_unit
    ):
        raise RegistryRefusal(_("You have no right to do this here."))
    memberships = list(
        Membership.objects.filter(person=person)
        .select_related("org_unit")
        .order_by("pk")
    )
    if not all(
        policy.has_perm(actor, Perm.MEMBER_MANAGE, unit=item.org_unit)
        for item in memberships
    ):
        raise RegistryRefusal(
            _(
                "This person was a member of organizations outside your area: only "
                "someone who keeps all of them can erase the record."
            )
        )
    Person.objects.filter(pk=person.pk).update(current_membership=None)
    for item in memberships:
        record(
            actor=actor,
            action=AuditAction.MEMBERSHIP_DELETED,
            target=item,
            person_id=person.pk,
            before=snapshot(
                item, ["org_unit", "joined_on", "left_on", "category", "leave_reason"]
            ),
        )
    record(
        actor=actor,
        action=AuditAction.PERSON_DELETED,
        target=person,
        person_id=person.pk,
        before=snapshot(person, PERSON_FIELDS),
    )
    Membership.objects.filter(person=person).update(transferred_from=None)
    Membership.objects.filter(person=person).delete()
    try:
        person.delete()
    except ProtectedError:
        raise RegistryRefusal(
            _(
                "Records that must be kept (payments received) name this person: "
                "the record cannot be erased."
            )
        ) from None
