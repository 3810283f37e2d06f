"""Report forms as data: a form, its versions, their sections, indicators and rules.

A version is edited while it is a draft and frozen once published; a campaign
collects one published version, so a report keeps the layout it was filed in
whatever the centre changes later.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Named(models.Model):
    """Names in Russian, Kazakh and English; `name` is the one of the request."""

    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return str(getattr(self, f"name_{language_suffix()}") or self.name_ru)


def language_suffix() -> str:
    """The suffix of translated columns for the active language (ru by default)."""
    language = (get_language() or "ru")[:2]
    return language if language in ("ru", "kk", "en") else "ru"


class ValueType(models.TextChoices):
    COUNT = "count", _("Count")
    AMOUNT = "amount", _("Amount")
    PERCENT = "percent", _("Percent")
    TEXT = "text", _("Text")


class Source(models.TextChoices):
    REGISTRY = "registry", _("Computed from the registry")
    ENTERED = "entered", _("Entered by the organization")
    FORMULA = "formula", _("Computed from other indicators")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum of the organization and those below it")
    OWN = "own", _("The organization's own value only")
    RECOMPUTED = "recomputed", _("Recomputed from its parts")


class Measure(models.TextChoices):
    """What the registry knows, counted in a subtree on a date."""

    MEMBERS = "members", _("Members")
    WORKING = "working", _("Working members")
    STUDENTS = "students", _("Students")
    PENSIONERS = "pensioners", _("Pensioners")
    WOMEN = "women", _("Women")
    YOUTH_29 = "youth_29", _("Members up to 29")
    YOUTH_35 = "youth_35", _("Members up to 35")
    PRIMARY_ORGS = "primary_orgs", _("Primary organizations")
    EMPLOYEES = "employees", _("Employees of workplaces with a union")


class ReportForm(Named):
    """A statistical report of the union, such as membership and structure."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")


class FormVersion(models.Model):
    form = models.ForeignKey(
        ReportForm, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "number"], name="formversion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form.code} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Section(Named):
    version = models.ForeignKey(
        FormVersion, on_delete=models.CASCADE, related_name="sections"
    )
    code = models.SlugField(_("code"), max_length=32)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="section_code_unique"
            )
        ]


class Indicator(Named):
    """One figure of a form. Its code names it in formulas, rules and files."""

    version = models.ForeignKey(
        FormVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.SlugField(_("code"), max_length=32)
    position = models.PositiveSmallIntegerField(default=0)
    value_type = models.CharField(_("type"), max_length=8, choices=ValueType.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    measure = models.CharField(
        _("registry figure"), max_length=16, choices=Measure.choices, blank=True
    )
    # For a formula: indicator codes joined by « + », or two codes with « / »
    # (a percentage, recomputed at every level from the parts rolled up).
    formula = models.CharField(_("formula"), max_length=300, blank=True)
    aggregation = models.CharField(
        _("aggregation"), max_length=12, choices=Aggregation.choices
    )

    class Meta:
        ordering = ["section__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="indicator_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(source="registry", formula="") & ~Q(measure="")
                | Q(source="entered", measure="", formula="")
                | Q(source="formula", measure="") & ~Q(formula=""),
                name="indicator_source_consistent",
            ),
        ]

    @property
    def is_entered(self) -> bool:
        return self.source == Source.ENTERED

    @property
    def is_number(self) -> bool:
        return self.value_type != ValueType.TEXT


class Comparison(models.TextChoices):
    LE = "<=", "≤"
    LT = "<", "<"
    EQ = "=", "="
    GE = ">=", "≥"
    GT = ">", ">"


class Rule(models.Model):
    """A check between a version's figures, e.g. women ≤ members."""

    version = models.ForeignKey(
        FormVersion, on_delete=models.CASCADE, related_name="rules"
    )
    code = models.SlugField(_("code"), max_length=48)
    left = models.CharField(_("left side"), max_length=300)
    comparison = models.CharField(max_length=2, choices=Comparison.choices)
    right = models.CharField(_("right side"), max_length=300)
    message_ru = models.CharField(_("message (Russian)"), max_length=300)
    message_kk = models.CharField(_("message (Kazakh)"), max_length=300)
    message_en = models.CharField(_("message (English)"), max_length=300)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="rule_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.left} {self.comparison} {self.right}"

    @property
    def message(self) -> str:
        return str(getattr(self, f"message_{language_suffix()}") or self.message_ru)
