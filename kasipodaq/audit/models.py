"""A trail of every change to personal data and every view of a member's record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    PERSON_CREATED = "person.created", _("Person created")
    PERSON_UPDATED = "person.updated", _("Person updated")
    PERSON_DELETED = "person.deleted", _("Person deleted")
    PERSON_VIEWED = "person.viewed", _("Member record viewed")
    MEMBERSHIP_STARTED = "membership.started", _("Membership started")
    MEMBERSHIP_UPDATED = "membership.updated", _("Membership updated")
    MEMBERSHIP_ENDED = "membership.ended", _("Membership ended")
    MEMBERSHIP_TRANSFERRED = "membership.transferred", _("Member transferred")
    MEMBERSHIP_DELETED = "membership.deleted", _("Membership deleted")
    MEMBERS_EXPORTED = "members.exported", _("Member list exported")
    ORG_CHANGED = "org.changed", _("Organization changed")
    REPORT_REOPENED = "report.reopened", _("Report reopened")
    CARD_ISSUED = "card.issued", _("Membership card issued")
    CARD_REVOKED = "card.revoked", _("Membership card revoked")
    CARD_PRINTED = "card.printed", _("Membership card downloaded")
    DUES_ACCRUED = "dues.accrued", _("Dues accrued for a month")
    DUES_PAID = "dues.paid", _("Dues payment recorded")
    DUES_CARD_REQUESTED = "dues.card_requested", _("Monthly card payment requested")
    DUES_CARD_CANCELLED = "dues.card_cancelled", _("Monthly card payment cancelled")
    BUDGET_SAVED = "budget.saved", _("Budget saved")
    BUDGET_APPROVED = "budget.approved", _("Budget approved")
    BUDGET_REOPENED = "budget.reopened", _("Budget reopened")
    BUDGET_REVISED = "budget.revised", _("Budget revision started")
    EXPENSE_RECORDED = "budget.expense_recorded", _("Expense recorded")
    EXPENSE_DELETED = "budget.expense_deleted", _("Expense deleted")
    INCOME_RECORDED = "budget.income_recorded", _("Other income recorded")
    INCOME_DELETED = "budget.income_deleted", _("Other income deleted")
    DUES_RULE_SET = "dues.rule_set", _("Dues rule set")
    DUES_DISTRIBUTION_SET = "dues.distribution_set", _("Distribution of dues set")
    DUES_EXEMPTION_SET = "dues.exemption_set", _("Exemption from dues granted")
    DUES_EXEMPTION_ENDED = "dues.exemption_ended", _("Exemption from dues ended")
    DUES_SALARY_SET = "dues.salary_set", _("Salary from an employer's list")
    DUES_SALARIES_IMPORTED = "dues.salaries_imported", _("Salary list recorded")
    DUES_TRANSFERRED = "dues.transferred", _("Dues transferred to a higher level")
    DUES_EXPORTED = "dues.exported", _("Dues exported for the accounting system")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="audit_events",
        verbose_name=_("who"),
        db_index=False,  # the (actor, -at) index serves it
    )
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField(null=True)
    # The person the event concerns, for reading the trail per member.
    person_id = models.BigIntegerField(null=True)
    before = models.JSONField(_("before"), null=True)
    after = models.JSONField(_("after"), null=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["person_id", "-at"]),
            models.Index(fields=["actor", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} #{self.object_id}"
