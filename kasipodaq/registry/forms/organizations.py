"""Input of the organization pages: shape and field errors, never business rules.

Field names match the `field` of the services' refusals (`on`, `parent`, `into`,
`code`, `employer_bin`…), so a refusal lands next to the input it concerns.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import Level, OrgUnit, Sector


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _date_field(label: str | Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), initial=today)


region_code_validator = RegexValidator(
    r"^[0-9]{2}$", _("A region code is two digits, such as 75.")
)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Code, name or BIN"), required=False, max_length=300, strip=True
    )


class UnitNamesForm(forms.Form):
    name_ru = forms.CharField(label=_("Name (Russian)"), max_length=300)
    name_kk = forms.CharField(label=_("Name (Kazakh)"), max_length=300)
    region_code = forms.CharField(
        label=_("Region code"),
        max_length=2,
        required=False,
        validators=[region_code_validator],
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class UnitEditForm(UnitNamesForm):
    """Correct a unit's names, region code and address."""


class UnitCreateForm(UnitNamesForm):
    """A new unit under a given parent, possibly in a new employer."""

    level = forms.ChoiceField(label=_("Level"))
    code = forms.CharField(label=_("Code"), max_length=32)
    on = _date_field(_("Opened on"))
    employees = forms.IntegerField(
        label=_("Number of employees"), min_value=0, required=False
    )
    employer_bin = forms.CharField(
        label=_("Employer's BIN"),
        max_length=12,
        required=False,
        help_text=_(
            "Required for a primary organization. A known BIN reuses its employer; "
            "a new one registers it with the name and sector below."
        ),
    )
    employer_name_ru = forms.CharField(
        label=_("Employer's name (Russian)"), max_length=300, required=False
    )
    employer_name_kk = forms.CharField(
        label=_("Employer's name (Kazakh)"), max_length=300, required=False
    )
    employer_sector = forms.ChoiceField(
        label=_("Employer's sector"),
        choices=[("", "—"), *Sector.choices],
        required=False,
    )

    field_order = ["level", "code", "name_ru", "name_kk", "on", "employees"]
    unit_fields = ("level", "code", "name_ru", "name_kk", "region_code", "address")
    workplace_fields = ("on", "employees")
    employer_fields = (
        "employer_bin",
        "employer_name_ru",
        "employer_name_kk",
        "employer_sector",
    )

    def __init__(self, *args: Any, levels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = self.fields["level"]
        assert isinstance(level, forms.ChoiceField)
        level.choices = [(value, Level(value).label) for value in levels]
        if len(levels) == 1:
            level.initial = levels[0]

    def group(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def unit_group(self) -> list[forms.BoundField]:
        return self.group(self.unit_fields)

    def workplace_group(self) -> list[forms.BoundField]:
        return self.group(self.workplace_fields)

    def employer_group(self) -> list[forms.BoundField]:
        return self.group(self.employer_fields)


class EmployeesForm(forms.Form):
    on = _date_field(_("Counted on"))
    employees = forms.IntegerField(label=_("Number of employees"), min_value=0)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} — {obj.name}"


class MoveForm(forms.Form):
    """A new parent, from the list of nearby units or by any code in the user's area."""

    parent = UnitChoiceField(
        label=_("New parent organization"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label="—",
    )
    parent_code = forms.CharField(
        label=_("…or the new parent's code"), max_length=32, required=False
    )
    on = _date_field(_("Effective on"))

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = parents

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("parent") and not data.get("parent_code"):
            raise forms.ValidationError(
                _("Choose the new parent organization or enter its code.")
            )
        return data


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Code of the organization to merge into"), max_length=32
    )
    on = _date_field(_("Effective on"))


class CloseForm(forms.Form):
    """A dated, confirmed end: liquidation or leaving the union."""

    on = _date_field(_("Effective on"))
    confirm = forms.BooleanField(
        label=_("I confirm: this cannot be undone, and every membership in it ends."),
    )
