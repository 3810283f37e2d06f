"""Organization units, the employers they sit in, and their history as data."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .bin import validate_bin
from .querysets import OrgUnitQuerySet, PlacementQuerySet


class Level(models.TextChoices):
    CENTRAL = "central", _("Central committee")
    REGION = "region", _("Regional organization")
    DISTRICT = "district", _("District/city committee")
    PRIMARY = "primary", _("Primary organization")
    GROUP = "group", _("Union group")


# Which levels a unit of each level may sit under.
PARENT_LEVELS: dict[str, frozenset[str]] = {
    Level.CENTRAL: frozenset(),
    Level.REGION: frozenset({Level.CENTRAL}),
    Level.DISTRICT: frozenset({Level.REGION}),
    Level.PRIMARY: frozenset({Level.DISTRICT, Level.REGION}),
    Level.GROUP: frozenset({Level.PRIMARY}),
}


class Sector(models.TextChoices):
    PRESCHOOL = "preschool", _("Preschool education")
    SCHOOL = "school", _("School")
    COLLEGE = "college", _("College")
    UNIVERSITY = "university", _("University")
    SCIENCE = "science", _("Science")
    OTHER = "other", _("Other")


class UnitStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another")
    LIQUIDATED = "liquidated", _("Liquidated")
    LEFT = "left", _("Left the union")


def in_language(russian: str, kazakh: str) -> str:
    """A name kept in Russian and Kazakh, in the language of the request."""
    return kazakh if get_language() == "kk" and kazakh else russian


class Employer(models.Model):
    """The workplace (a school, college, university…) a primary organization sits in."""

    bin = models.CharField(
        _("BIN"), max_length=12, unique=True, validators=[validate_bin]
    )
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return f"{self.name_ru} ({self.bin})"

    @property
    def name(self) -> str:
        """The name in the language of the request (Kazakh where we have it)."""
        return in_language(self.name_ru, self.name_kk)


class OrgUnit(models.Model):
    """A node of the union's tree as it stands today; its past lives in OrgPlacement."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=96, unique=True, editable=False)
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300)
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="units"
    )
    region_code = models.CharField(_("region code"), max_length=2, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=UnitStatus.choices,
        default=UnitStatus.ACTIVE,
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = OrgUnitQuerySet.as_manager()

    # The field that places a row of this model in the tree, for access.scoping.
    scope_path = "path"

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [models.Index(fields=["parent", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(closed_on__gt=models.F("opened_on")),
                name="orgunit_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(status="active", closed_on__isnull=True)
                | (~Q(status="active") & Q(closed_on__isnull=False)),
                name="orgunit_closed_iff_not_active",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the language of the request (Kazakh where we have it)."""
        return in_language(self.name_ru, self.name_kk)

    @property
    def is_active(self) -> bool:
        return self.status == UnitStatus.ACTIVE

    def is_open_on(self, on: dt.date) -> bool:
        return self.opened_on <= on and (self.closed_on is None or on < self.closed_on)


class OrgPlacement(models.Model):
    """Where a unit stood in the tree over [valid_from, valid_to): its history."""

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="placements"
    )
    parent = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, related_name="+"
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["parent", "valid_from", "valid_to"]),
            models.Index(fields=["unit", "valid_from"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(valid_to__isnull=True),
                name="orgplacement_one_open",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="orgplacement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} under {self.parent_id} from {self.valid_from}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    MOVED = "moved", _("Moved under another organization")
    MERGED = "merged", _("Merged into another organization")
    LIQUIDATED = "liquidated", _("Liquidated")
    LEFT_UNION = "left_union", _("Left the union")
    RENAMED = "renamed", _("Details changed")


class OrgEvent(models.Model):
    """One dated change of the tree, in the order it was recorded."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    effective_on = models.DateField(_("effective on"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    parent_before = models.ForeignKey(
        OrgUnit, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    parent_after = models.ForeignKey(
        OrgUnit, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    other_unit = models.ForeignKey(
        OrgUnit, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["effective_on", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.kind} {self.unit_id}"


class EmployeeCount(models.Model):
    """The number of employees of a unit's workplace, counted on a date."""

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="employee_counts"
    )
    counted_on = models.DateField(_("counted on"))
    employees = models.PositiveIntegerField(_("employees"))

    class Meta:
        ordering = ["-counted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "counted_on"], name="employeecount_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.employees} on {self.counted_on}"
