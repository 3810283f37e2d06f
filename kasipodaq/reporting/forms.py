"""The shape of what staff send about reports: fields only, the rules are services'.

Figures are taken as typed and read by ``entries.parse_entries`` inside the
service, so the page and an uploaded template refuse the same input the same way.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kasipodaq.registry.forms.members import DateInput

from .layout import Layout
from .models import Indicator, ReportForm, ValueType
from .services.campaigns import FIRST_YEAR

# The prefix of the figure inputs, so that an indicator's code never collides
# with another field of the page.
ENTRY_PREFIX = "v"
COMMENT_MAX = 2000


class OpenCampaignForm(forms.Form):
    """The centre asks every organization for a form's report of a year."""

    form = forms.ModelChoiceField(
        label=_("Form"),
        queryset=ReportForm.objects.none(),
        to_field_name="code",
        empty_label=None,
    )
    year = forms.IntegerField(label=_("Year"))
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())

    def __init__(
        self, *args: Any, report_forms: QuerySet[ReportForm], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["form"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = report_forms


class CommentForm(forms.Form):
    """Why a report is returned, marked missing or reopened (the service insists)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmForm(forms.Form):
    """A step that takes nothing but the button: submit, approve."""


class EntryForm(forms.Form):
    """An input for each figure the organization enters, keyed by indicator code."""

    def __init__(self, *args: Any, layout: Layout, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", ENTRY_PREFIX)
        super().__init__(*args, **kwargs)
        self.layout = layout
        for indicator in layout.indicators:
            if indicator.is_entered:
                self.fields[indicator.code] = _entry_field(indicator)

    def raw(self) -> dict[str, object]:
        """The figures as typed, for ``services.reports.save_entries``."""
        return {code: self.cleaned_data.get(code, "") for code in self.fields}


def _entry_field(indicator: Indicator) -> forms.CharField:
    if indicator.value_type == ValueType.TEXT:
        widget: forms.Widget = forms.Textarea(attrs={"rows": 2})
    else:
        widget = forms.TextInput(attrs={"inputmode": "decimal", "size": 10})
    return forms.CharField(
        label=indicator.name, required=False, strip=True, widget=widget
    )


class DynamicsForm(forms.Form):
    """Which form, which years (?from=, ?to=), which figure to chart; the
    organization is ?org=, read by the view through the scoped selectors."""

    form = forms.ModelChoiceField(
        label=_("Form"),
        queryset=ReportForm.objects.none(),
        to_field_name="code",
        empty_label=None,
    )
    chart = forms.CharField(label=_("Chart"), required=False, widget=forms.Select)
    org = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, report_forms: QuerySet[ReportForm], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["form"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = report_forms
        # "from" and "to" are Python keywords, so these two are added here.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.IntegerField(
                label=label,
                widget=forms.NumberInput(attrs={"min": FIRST_YEAR, "step": 1}),
            )
        self.order_fields(["form", "from", "to", "chart"])

    def offer_charts(self, indicators: list[Indicator]) -> None:
        """The figures that can be charted: the layout's numbers."""
        self.fields["chart"].widget.choices = [(i.code, i.name) for i in indicators]
