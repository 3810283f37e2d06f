"""People and their memberships in primary organizations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .iin import FEMALE, MALE, validate_iin
from .querysets import MembershipQuerySet, PersonQuerySet


class Sex(models.TextChoices):
    MALE = MALE, _("Male")
    FEMALE = FEMALE, _("Female")


class Category(models.TextChoices):
    WORKING = "working", _("Working")
    STUDENT = "student", _("Student")
    PENSIONER = "pensioner", _("Pensioner")
    NON_WORKING = "non_working", _("Non-working")


class JoinMethod(models.TextChoices):
    PAPER = "paper", _("Paper application")
    ONLINE = "online", _("Online application")
    TRANSFER = "transfer", _("Transfer")
    IMPORT = "import", _("Imported from earlier records")


class LeaveReason(models.TextChoices):
    OWN_WISH = "own_wish", _("Own wish")
    DISMISSAL = "dismissal", _("Dismissal")
    RETIREMENT = "retirement", _("Retirement")
    DEATH = "death", _("Death")
    TRANSFER = "transfer", _("Transfer")
    ORG_LIQUIDATED = "org_liquidated", _("Organization liquidated")
    ORG_LEFT_UNION = "org_left_union", _("Organization left the union")
    EXPELLED = "expelled", _("Expelled")


phone_validator = RegexValidator(
    r"^\+?[0-9 ()-]{10,20}$", _("Enter a phone number such as +7 701 123 45 67.")
)


class Person(models.Model):
    # Unique by a constraint, not unique=True: on PostgreSQL that would add a
    # second, pattern-matching index that an exact lookup never uses.
    iin = models.CharField(_("IIN"), max_length=12, validators=[validate_iin])
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        validators=[phone_validator],
    )
    email = models.EmailField(_("email"), blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    consent_given_on = models.DateField(
        _("consent to data processing given on"), null=True, blank=True
    )
    consent_text_version = models.CharField(
        _("consent text version"), max_length=32, blank=True
    )
    # The latest membership, active or ended: places the person in the tree.
    current_membership = models.OneToOneField(
        "Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    scope_path = "current_membership__org_unit__path"

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["last_name", "first_name"])]
        constraints = [
            models.UniqueConstraint(fields=["iin"], name="person_iin_unique")
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(
            p for p in (self.last_name, self.first_name, self.patronymic) if p
        )

    def age_on(self, on: dt.date) -> int:
        had_birthday = (on.month, on.day) >= (
            self.birth_date.month,
            self.birth_date.day,
        )
        return on.year - self.birth_date.year - (0 if had_birthday else 1)


class Membership(models.Model):
    """A person's membership in a primary organization over [joined_on, left_on)."""

    # Both are the first column of an index below, which serves their lookups.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", db_index=False
    )
    org_unit = models.ForeignKey(
        "orgtree.OrgUnit",
        on_delete=models.PROTECT,
        related_name="memberships",
        db_index=False,
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    join_method = models.CharField(
        _("how joined"), max_length=16, choices=JoinMethod.choices
    )
    leave_reason = models.CharField(
        _("reason for leaving"), max_length=16, choices=LeaveReason.choices, blank=True
    )
    transferred_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transferred_to",
    )
    # The holder's sex and date of birth (what the IIN says), copied from the
    # person: the membership form counts women and youth over a million
    # memberships without joining the people (reporting/registry_figures.py).
    # Every writer of memberships sets them (save() does for one), and
    # services/people.py carries a correction of the IIN over.
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("date of birth"), editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    scope_path = "org_unit__path"

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["joined_on", "pk"]
        indexes = [
            models.Index(fields=["org_unit", "joined_on", "left_on"]),
            models.Index(fields=["person", "joined_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(left_on__isnull=True),
                name="membership_one_active",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(left_on__gt=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True, leave_reason="")
                | Q(left_on__isnull=False) & ~Q(leave_reason=""),
                name="membership_reason_iff_left",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.person} — {self.org_unit} [{self.joined_on}, {self.left_on or '…'})"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.birth_date is None or not self.sex:
            self.sex, self.birth_date = self.person.sex, self.person.birth_date
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    def is_active_on(self, on: dt.date) -> bool:
        return self.joined_on <= on and (self.left_on is None or on < self.left_on)


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("Members")
    ORGS = "orgs", _("Organizations")


class ImportMode(models.TextChoices):
    CHECK = "check", _("Check only")
    ALL_OR_NOTHING = "all", _("Import if every row is valid")
    VALID_ROWS = "valid_rows", _("Import the valid rows only")


class ImportStatus(models.TextChoices):
    NEW = "new", _("Waiting for the columns to be confirmed")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    CHECKED = "checked", _("Checked: no problems found")
    REJECTED = "rejected", _("Rejected: nothing was written")
    DONE = "done", _("Imported")
    FAILED = "failed", _("The file could not be read")


class ImportJob(models.Model):
    """One import file, from upload through checking and writing to its result.

    The file stays on disk for the error report, which is built from its rows.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=ImportKind.choices)
    file_path = models.CharField(max_length=500)
    original_name = models.CharField(_("file"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    headers = models.JSONField(default=list)
    # Field value → column index, as confirmed by the user.
    mapping = models.JSONField(default=dict)
    mode = models.CharField(max_length=12, choices=ImportMode.choices, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ImportStatus.choices,
        default=ImportStatus.NEW,
    )
    phase = models.CharField(max_length=16, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_expected = models.PositiveIntegerField(null=True)
    rows_rejected = models.PositiveIntegerField(default=0)
    # What was written: created, updated, unchanged, per kind of record.
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (
            ImportStatus.CHECKED,
            ImportStatus.REJECTED,
            ImportStatus.DONE,
            ImportStatus.FAILED,
        )


class ImportProblem(models.Model):
    """One fault of one row of an import file, kept for its report."""

    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="problems"
    )
    row_number = models.PositiveIntegerField()
    field = models.CharField(max_length=16)
    code = models.CharField(max_length=32)
    # Another row of the file the fault concerns (a repeated IIN), or 0.
    other_row = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["row_number", "pk"]
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.field} {self.code}"


class SavedMapping(models.Model):
    """A column mapping kept under a name, offered again for files with its headers."""

    kind = models.CharField(max_length=8, choices=ImportKind.choices)
    name = models.CharField(_("name"), max_length=100)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "name"], name="saved_mapping_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
