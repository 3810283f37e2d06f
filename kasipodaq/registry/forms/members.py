"""The shape of what staff type about members: fields only, the rules are services'."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgUnit

from ..models import Category, JoinMethod, Membership, Sex
from ..selectors import AgeBand, MemberFilter
from ..services.people import PersonDetails
from ..services.termination import PERSONAL_REASONS

# Above this many organizations a choice is typed as a code instead of picked.
SELECT_LIMIT = 200

STATUS_ACTIVE, STATUS_FORMER, STATUS_ALL = "active", "former", "all"


class DateInput(forms.DateInput):
    """The browser's own date picker, which phones handle well."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class MemberFilterForm(forms.Form):
    """The member list's search and filters, read from the query string."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("IIN, last and first name, or phone"),
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (STATUS_ACTIVE, _("Members")),
            (STATUS_FORMER, _("Former members")),
            (STATUS_ALL, _("Members and former members")),
        ],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("Any category")), *Category.choices],
    )
    sex = forms.ChoiceField(
        label=_("Sex"), required=False, choices=[("", _("Any")), *Sex.choices]
    )
    age = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[
            ("", _("Any age")),
            (AgeBand.UP_TO_29, _("Up to 29")),
            (AgeBand.UP_TO_35, _("Up to 35")),
            (AgeBand.OVER_35, _("Over 35")),
        ],
    )
    on = forms.DateField(
        label=_("Members on"),
        required=False,
        widget=DateInput,
    )
    org = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].widget.attrs["max"] = today().isoformat()

    def clean_on(self) -> dt.date | None:
        on: dt.date | None = self.cleaned_data.get("on")
        if on is not None and on > today():
            raise forms.ValidationError(
                _("The date cannot be in the future."), code="future"
            )
        return on

    def member_filter(self, *, unit: OrgUnit | None) -> MemberFilter:
        """The filter asked for; a value that makes no sense is left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return MemberFilter(
            text=data.get("q", ""),
            category=data.get("category", ""),
            sex=data.get("sex", ""),
            age_band=data.get("age", ""),
            status=data.get("status") or STATUS_ACTIVE,
            unit=unit,
            on=data.get("on"),
        )


def describe_filter(flt: MemberFilter) -> dict[str, Any]:
    """The filter as plain data, for the audit trail of an export."""
    return {
        "q": flt.text,
        "status": flt.status,
        "category": flt.category,
        "sex": flt.sex,
        "age": flt.age_band,
        "org": flt.unit.pk if flt.unit else None,
        "on": flt.on.isoformat() if flt.on else None,
    }


class _OfferedChoices(ModelChoiceIterator):
    """The options shown: the field's `offered` units rather than all it accepts."""

    def __init__(self, field: UnitChoiceField) -> None:
        super().__init__(field)
        self.queryset = field.offered


class UnitChoiceField(forms.ModelChoiceField):
    """An organization picked by code among the units the user may act on.

    The list shown (`offered`) holds the sensible targets; what is accepted
    (`queryset`) is every unit in the user's scope, so that a wrong choice reaches
    the service and gets its explanation. Long lists become a code input.
    """

    iterator = _OfferedChoices

    def __init__(
        self, *, queryset: QuerySet[OrgUnit], offered: QuerySet[OrgUnit], **kwargs: Any
    ) -> None:
        self.offered = offered
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("There is no organization with this code for you.")},
        )
        super().__init__(queryset, to_field_name="code", **kwargs)
        self.offered_count = offered.count()
        if self.offered_count > SELECT_LIMIT:
            self.widget = forms.TextInput(attrs={"autocomplete": "off"})
            self.help_text = _("Type the organization's code.")

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class PersonDetailsForm(forms.Form):
    """A person's details as typed; the IIN is checked by the service."""

    iin = forms.CharField(
        label=_("IIN"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional: taken from the IIN, and checked against it if given."),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        required=False,
        choices=[("", _("From the IIN")), *Sex.choices],
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    consent_given_on = forms.DateField(
        label=_("Consent to data processing given on"),
        required=False,
        widget=DateInput(),
    )
    consent_text_version = forms.CharField(
        label=_("Consent text version"), max_length=32, required=False
    )

    def clean_iin(self) -> str:
        return "".join(str(self.cleaned_data["iin"]).split())

    def details(self) -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            iin=data["iin"],
            last_name=data["last_name"],
            first_name=data["first_name"],
            patronymic=data["patronymic"],
            birth_date=data["birth_date"],
            sex=data["sex"],
            phone=data["phone"],
            email=data["email"],
            position=data["position"],
            consent_given_on=data["consent_given_on"],
            consent_text_version=data["consent_text_version"],
        )


class AdmitForm(PersonDetailsForm):
    """A new member: who, where, from when, in which category."""

    category = forms.ChoiceField(
        label=_("Category"), choices=Category.choices, initial=Category.WORKING
    )
    joined_on = forms.DateField(label=_("Joined on"), widget=DateInput(), initial=today)
    join_method = forms.ChoiceField(
        label=_("How joined"),
        choices=[
            (method, label)
            for method, label in JoinMethod.choices
            if method != JoinMethod.TRANSFER
        ],
        initial=JoinMethod.PAPER,
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[OrgUnit],
        offered: QuerySet[OrgUnit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = UnitChoiceField(
            label=_("Primary organization"), queryset=units, offered=offered
        )
        self.fields["org_unit"] = field
        self.order_fields(["org_unit"])
        if field.offered_count == 1 and not self.is_bound:
            # A primary organization's chair has only one place to admit to.
            self.initial.setdefault("org_unit", offered.first())


class EditMemberForm(PersonDetailsForm):
    """A member's details and the category of their current membership."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not membership.is_active:
            self.fields["category"].disabled = True
            self.fields["category"].help_text = _(
                "The category of an ended membership cannot change."
            )


class LeaveForm(forms.Form):
    """The end of a membership: the first day the person is no longer a member."""

    on = forms.DateField(label=_("Left on"), widget=DateInput(), initial=today)
    reason = forms.ChoiceField(
        label=_("Reason for leaving"),
        choices=[("", "—"), *((r.value, r.label) for r in PERSONAL_REASONS)],
    )


class TransferForm(forms.Form):
    """A move to another primary organization, without a break."""

    on = forms.DateField(label=_("Transferred on"), widget=DateInput(), initial=today)

    def __init__(
        self,
        *args: Any,
        units: QuerySet[OrgUnit],
        offered: QuerySet[OrgUnit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"] = UnitChoiceField(
            label=_("To the primary organization"), queryset=units, offered=offered
        )
        self.order_fields(["to_unit", "on"])


class DeleteMemberForm(forms.Form):
    """Erasing a record entered in error: asked twice, never by accident."""

    confirm = forms.BooleanField(
        label=_("I confirm that this record was entered in error and must be erased."),
    )


def initial_for(details: PersonDetails) -> dict[str, Any]:
    """A person's details as a form's initial values."""
    return {
        name: getattr(details, name)
        for name in PersonDetailsForm.base_fields
        if getattr(details, name, None) not in (None, "")
    }
