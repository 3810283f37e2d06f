"""Membership cards: each member's lifelong number and the cards issued under it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .numbers import display
from .querysets import CardQuerySet

colour_validator = RegexValidator(
    r"^#[0-9A-Fa-f]{6}$", _("Enter a colour as # and six hexadecimal digits.")
)


class RegionSequence(models.Model):
    """The last sequence number given out in a region: numbers are never reused."""

    region_code = models.CharField(max_length=2, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.region_code}: {self.last}"


class MemberNumber(models.Model):
    """A member's card number, theirs for life, whatever card carries it."""

    person = models.OneToOneField(
        "registry.Person", on_delete=models.CASCADE, related_name="card_number"
    )
    number = models.CharField(_("card number"), max_length=10, unique=True)
    assigned_on = models.DateField(_("assigned on"))

    def __str__(self) -> str:
        return self.number


class RevokeReason(models.TextChoices):
    LOST = "lost", _("Lost or stolen")
    DAMAGED = "damaged", _("Damaged")
    DETAILS_CHANGED = "details_changed", _("Name or organization changed")
    WITHDRAWN = "withdrawn", _("Withdrawn by the union")
    KEY_RETIRED = "key_retired", _("Its signing key was retired")
    REPLACED = "replaced", _("Replaced by a new card")


class Card(models.Model):
    """One issued card: the member's number with a serial, signed into a token.

    A reissue revokes the card in hand and issues the next serial. Whether a card
    is valid today is not stored: `standing.card_status` reads it from the
    membership, so every way a membership can end revokes the card that day.
    """

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="cards"
    )
    number = models.CharField(_("card number"), max_length=10)
    serial = models.PositiveSmallIntegerField(_("serial"))
    # The membership it was issued under: it stays in force while that one, and
    # those it was transferred into, go on (querysets.membership_ended).
    membership = models.ForeignKey(
        "registry.Membership",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    # The primary organization printed on the card.
    org_unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    issued_on = models.DateField(_("issued on"))
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    key_id = models.CharField(max_length=16)
    token = models.CharField(max_length=400)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoke_reason = models.CharField(
        _("reason"), max_length=16, choices=RevokeReason.choices, blank=True
    )

    objects = CardQuerySet.as_manager()

    scope_path = "person__current_membership__org_unit__path"

    # Annotated by CardQuerySet.with_membership_state.
    left_since_issue: bool
    member_that_day: bool

    class Meta:
        verbose_name = _("membership card")
        verbose_name_plural = _("membership cards")
        ordering = ["-serial"]
        indexes = [models.Index(fields=["person", "-serial"])]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "serial"], name="card_number_serial_unique"
            ),
            # A new card revokes the person's others: at most one can be in force.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(revoked_on__isnull=True),
                name="card_one_unrevoked_per_person",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True, revoke_reason="")
                | Q(revoked_on__isnull=False) & ~Q(revoke_reason=""),
                name="card_reason_iff_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.serial}"

    @property
    def display_number(self) -> str:
        return display(self.number)


class CardDesign(models.Model):
    """The centre's choices for every card: its look and when dues arrears suspend it.

    One row. The logo is kept in the database, not in media storage, so that every
    server of an install renders the same card without shared files.
    """

    logo = models.BinaryField(_("logo"), null=True, blank=True, editable=True)
    background = models.CharField(
        _("band colour"), max_length=7, default="#0B4F8A", validators=[colour_validator]
    )
    foreground = models.CharField(
        _("text colour on the band"),
        max_length=7,
        default="#FFFFFF",
        validators=[colour_validator],
    )
    suspend_after_months = models.PositiveSmallIntegerField(
        _("suspend after months of arrears"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("A card is suspended while dues are overdue for longer than this."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("card design")

    def __str__(self) -> str:
        return str(_("card design"))

    @classmethod
    def current(cls) -> CardDesign:
        design = cls.objects.filter(pk=1).first()
        return design if design is not None else cls(pk=1)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class IssueRun(models.Model):
    """Issuing cards to every member of a subtree who has none in force."""

    unit = models.ForeignKey(
        "orgtree.OrgUnit", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    # Members found without a card in force, and cards issued to them so far.
    total = models.PositiveIntegerField(null=True)
    issued = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True)

    scope_path = "unit__path"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.unit_id} {self.status}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.issued * 100 // self.total)
