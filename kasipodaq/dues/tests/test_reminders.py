"""Reminders of arrears by email, through a real SMTP server on the loopback."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kasipodaq.access.perms import Role
from kasipodaq.core.tests.mailbox import Inbox, free_port, use_smtp
from kasipodaq.dues.arrears import debtors_under
from kasipodaq.dues.models import ArrearsReminder, Charge, PaymentMethod
from kasipodaq.dues.services.payments import record_payment
from kasipodaq.dues.services.reminders import remind_arrears
from kasipodaq.registry.models import LeaveReason, Person
from kasipodaq.registry.services.termination import end_membership
from kasipodaq.registry.tests.factories import Tree, grant

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 10)  # April and May are over; June is not


def _member(tree: Tree, unit: int = 0, **details: Any) -> Person:
    membership = tree.admit(tree.primaries[unit], **details)
    return membership.person


def _charge(person: Person, *months: int, tiyn: int = 1_500_00) -> None:
    unit = person.current_membership.org_unit  # type: ignore[union-attr]
    Charge.objects.bulk_create(
        Charge(
            person=person,
            month=dt.date(2026, month, 1),
            org_unit=unit,
            category="working",
            amount_tiyn=tiyn,
        )
        for month in months
    )


def _pay(person: Person, tiyn: int) -> None:
    record_payment(
        actor=None,
        person=person,
        amount_tiyn=tiyn,
        method=PaymentMethod.CASH,
        reference=f"R-{person.pk}",
        paid_on=dt.date(2026, 5, 3),
    )


@pytest.fixture(autouse=True)
def _one_month_is_enough(settings: Any) -> None:
    settings.KASIPODAQ_ARREARS_REMINDER_MONTHS = 1


@pytest.fixture
def owing(tree: Tree) -> Person:
    """Charged April, May and June, paid one month: April is covered, May owed."""
    person = _member(tree, email="aigul@example.kz")
    _charge(person, 4, 5, 6)
    _pay(person, 1_500_00)
    return person


def test_the_debtors_query_gives_months_and_the_amount_owed(
    tree: Tree, owing: Person
) -> None:
    """Only months already over count; the amount is what they cover, less paid."""
    assert debtors_under(tree.central.path, ON, min_months=1) == [
        (owing.pk, 1, 1_500_00)
    ]
    assert debtors_under(tree.central.path, ON, min_months=2) == []
    assert debtors_under(tree.regions[1].path, ON, min_months=1) == []


def test_a_member_overdue_is_told_how_long_and_how_much(
    tree: Tree, owing: Person, inbox: Inbox, settings: Any
) -> None:
    """In the union's language (members choose none); English here."""
    settings.LANGUAGE_CODE = "en"
    done = remind_arrears(actor=None, unit=tree.central, on=ON)
    assert (done.sent, done.unreachable, done.recently) == (1, 0, 0)
    (message,) = inbox.to("aigul@example.kz")
    body = message.get_content()
    assert "1 month overdue" in str(message["Subject"])
    assert "Dear Айгуль" in body
    assert "1,500.00 tenge" in body
    assert tree.primaries[0].name in body
    reminder = ArrearsReminder.objects.get()
    assert (reminder.person_id, reminder.months, reminder.owed_tiyn) == (
        owing.pk,
        1,
        1_500_00,
    )


def test_no_member_is_reminded_twice_within_the_interval(
    tree: Tree, owing: Person, inbox: Inbox, settings: Any
) -> None:
    remind_arrears(actor=None, unit=tree.central, on=ON)
    again = remind_arrears(actor=None, unit=tree.central, on=ON)
    assert (again.sent, again.recently) == (0, 1)
    assert len(inbox.messages) == 1
    ArrearsReminder.objects.update(
        sent_at=timezone.now()
        - dt.timedelta(days=settings.KASIPODAQ_ARREARS_REMINDER_DAYS + 1)
    )
    assert remind_arrears(actor=None, unit=tree.central, on=ON).sent == 1
    assert len(inbox.messages) == 2


def test_those_paid_up_without_email_or_no_longer_members_get_nothing(
    tree: Tree, owing: Person, inbox: Inbox
) -> None:
    paid_up = _member(tree, email="paid@example.kz", iin=None, first_name="Ерлан")
    _charge(paid_up, 4, 5)
    _pay(paid_up, 3_000_00)
    no_email = _member(tree, first_name="Жанар", birth_date=dt.date(1990, 1, 2))
    _charge(no_email, 5)
    left = _member(
        tree, email="left@example.kz", birth_date=dt.date(1991, 3, 4), first_name="Ол"
    )
    _charge(left, 4, 5)
    end_membership(
        actor=tree.admin,
        membership=left.current_membership,  # type: ignore[arg-type]
        on=dt.date(2026, 6, 1),
        reason=LeaveReason.OWN_WISH,
    )
    done = remind_arrears(actor=None, unit=tree.central, on=ON)
    assert (done.sent, done.unreachable) == (1, 1)
    assert inbox.recipients == [["aigul@example.kz"]]


def test_by_default_a_month_overdue_is_not_yet_reminded(
    tree: Tree, owing: Person, inbox: Inbox, settings: Any
) -> None:
    """The employer's list of a month comes in the next one: two months count."""
    settings.KASIPODAQ_ARREARS_REMINDER_MONTHS = 2
    assert remind_arrears(actor=None, unit=tree.central, on=ON).sent == 0
    _charge(owing, 3)  # March too: the payment covers it, April and May are owed
    assert remind_arrears(actor=None, unit=tree.central, on=ON).sent == 1
    assert inbox.recipients == [["aigul@example.kz"]]


def test_the_reminders_are_written_in_the_unions_language(
    tree: Tree, owing: Person, inbox: Inbox
) -> None:
    remind_arrears(actor=None, unit=tree.central, on=ON)
    (message,) = inbox.messages
    assert message.get_content().startswith("Здравствуйте, Айгуль!")


def test_the_reminders_reach_only_the_chosen_subtree(
    tree: Tree, owing: Person, inbox: Inbox
) -> None:
    other = _member(tree, 7, email="far@example.kz", birth_date=dt.date(1979, 2, 2))
    _charge(other, 5)
    done = remind_arrears(actor=None, unit=tree.regions[1], on=ON)
    assert done.sent == 1
    assert inbox.recipients == [["far@example.kz"]]


def test_a_mail_server_that_is_down_records_no_reminder(
    tree: Tree, owing: Person, settings: Any
) -> None:
    use_smtp(settings, free_port())  # nothing listens there
    with pytest.raises(OSError):
        remind_arrears(actor=None, unit=tree.central, on=ON)
    assert not ArrearsReminder.objects.exists()


def test_the_command_says_what_it_did(tree: Tree, owing: Person, inbox: Inbox) -> None:
    out = io.StringIO()
    call_command("remind_arrears", "--on", "2026-06-10", stdout=out)
    assert out.getvalue().strip() == (
        "Reminders sent: 1; overdue without an email: 0; reminded lately, left "
        "alone: 0."
    )
    with pytest.raises(CommandError, match="is not a date"):
        call_command("remind_arrears", "--on", "10.06.2026")
    with pytest.raises(CommandError, match="No organization has the code"):
        call_command("remind_arrears", "--org", "NOPE", "--on", "2026-06-10")
    assert len(inbox.messages) == 1


def test_the_organizations_page_sends_them_and_says_so(
    tree: Tree, owing: Person, inbox: Inbox
) -> None:
    accountant = Client(HTTP_ACCEPT_LANGUAGE="en")
    accountant.force_login(grant(Role.ACCOUNTANT, tree.regions[0]))
    url = reverse("dues:remind", args=[tree.regions[0].pk])
    page = accountant.post(url, follow=True)
    assert page.redirect_chain == [
        (reverse("dues:org", args=[tree.regions[0].pk]), 302)
    ]
    assert "Reminders are being sent" in page.content.decode()
    assert inbox.recipients == [["aigul@example.kz"]]


def test_only_those_who_keep_the_dues_there_may_send_them(
    tree: Tree, owing: Person, inbox: Inbox
) -> None:
    for user in (
        grant(Role.ACCOUNTANT, tree.regions[1]),
        grant(Role.LEGAL_INSPECTOR, tree.regions[0]),
    ):
        client = Client()
        client.force_login(user)
        url = reverse("dues:remind", args=[tree.regions[0].pk])
        assert client.post(url).status_code == 404
        assert client.get(url).status_code in {404, 405}
    assert inbox.messages == []
    assert not ArrearsReminder.objects.exists()
