"""The centre's editor of a draft form version: its names, sections, indicators and
rules as formsets, and the definition they make.

These forms check the shape of each row (codes, names in the three languages,
choices, a formula's spelling, which fields go with which source) and that no code
is used twice. What needs the whole form (a formula naming an unknown indicator,
formulas going round in a circle) is the service's to refuse, when the definition
is written (``services.forms.replace_draft``).

An indicator names its section by the section's row in the page, not by its code,
so a section can be renamed, recoded or reordered in the same save as its
indicators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.forms.formsets import DELETION_FIELD_NAME, ORDERING_FIELD_NAME
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ReportRefusal
from .formulas import CODE, parse_formula
from .models import (
    Aggregation,
    Comparison,
    Measure,
    Source,
    ValueType,
    language_suffix,
)
from .services.forms import CODE_LENGTHS, LANGUAGES, Definition

SECTIONS, INDICATORS, RULES = "sections", "indicators", "rules"
KINDS = (SECTIONS, INDICATORS, RULES)
# The most rows of one kind a page takes, so a forged count cannot make it build
# a million forms.
MAX_ROWS = 300
BLANK = ("", "—")

code_validator = RegexValidator(
    f"^{CODE.pattern}$",
    gettext_lazy("Use small Latin letters, digits and «_», beginning with a letter."),
)


def _code_field(kind: str) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Code"),
        max_length=CODE_LENGTHS[kind],
        validators=[code_validator],
        widget=forms.TextInput(attrs={"size": 14, "autocomplete": "off"}),
    )


def _text_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=300, widget=forms.TextInput(attrs={"size": 24})
    )


def _choice_field(label: Any, choices: Iterable[tuple[str, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[BLANK, *choices])


class NamesForm(forms.Form):
    """The form's own names; a refusal of the whole definition is shown here."""

    name_ru = _text_field(gettext_lazy("Name (Russian)"))
    name_kk = _text_field(gettext_lazy("Name (Kazakh)"))
    name_en = _text_field(gettext_lazy("Name (English)"))


class RowForm(forms.Form):
    """A row of a table whose column heads are the labels: each input is named
    by its label for screen readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _label_inputs(self)


def _label_inputs(form: forms.Form) -> None:
    for field in form.fields.values():
        if field.label:
            field.widget.attrs.setdefault("aria-label", str(field.label))


class SectionForm(RowForm):
    code = _code_field("section")
    name_ru = _text_field(gettext_lazy("Name (Russian)"))
    name_kk = _text_field(gettext_lazy("Name (Kazakh)"))
    name_en = _text_field(gettext_lazy("Name (English)"))


class IndicatorForm(RowForm):
    section = forms.ChoiceField(label=gettext_lazy("Section"))
    code = _code_field("indicator")
    name_ru = _text_field(gettext_lazy("Name (Russian)"))
    name_kk = _text_field(gettext_lazy("Name (Kazakh)"))
    name_en = _text_field(gettext_lazy("Name (English)"))
    value_type = _choice_field(gettext_lazy("Type"), ValueType.choices)
    source = _choice_field(gettext_lazy("Source"), Source.choices)
    measure = forms.ChoiceField(
        label=gettext_lazy("Registry figure"),
        choices=[BLANK, *Measure.choices],
        required=False,
    )
    formula = forms.CharField(
        label=gettext_lazy("Formula"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"size": 22, "autocomplete": "off"}),
    )
    aggregation = forms.ChoiceField(
        label=gettext_lazy("Aggregation"),
        choices=[("", gettext_lazy("As usual for its source")), *Aggregation.choices],
        required=False,
    )

    def __init__(
        self, *args: Any, section_choices: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["section"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [BLANK, *section_choices]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        source = data.get("source")
        value_type = data.get("value_type")
        measure = data.get("measure", "")
        formula = data.get("formula", "")
        if source == Source.REGISTRY and not measure:
            self.add_error("measure", _("Choose what the registry counts."))
        if source != Source.REGISTRY and measure:
            self.add_error(
                "measure",
                _("Only an indicator counted in the registry has a registry figure."),
            )
        if source == Source.FORMULA:
            if not formula:
                self.add_error("formula", _("Write the formula."))
            else:
                try:
                    parse_formula(formula)
                except ReportRefusal as exc:
                    self.add_error("formula", str(exc))
        elif formula:
            self.add_error(
                "formula",
                _("Only an indicator computed from other indicators has a formula."),
            )
        if value_type == ValueType.TEXT and source and source != Source.ENTERED:
            self.add_error("source", _("A text is entered by the organization."))
        return data


class RuleForm(RowForm):
    code = _code_field("rule")
    left = forms.CharField(
        label=gettext_lazy("Left side"),
        max_length=300,
        widget=forms.TextInput(attrs={"size": 22, "autocomplete": "off"}),
    )
    comparison = _choice_field(gettext_lazy("Comparison"), Comparison.choices)
    right = forms.CharField(
        label=gettext_lazy("Right side"),
        max_length=300,
        widget=forms.TextInput(attrs={"size": 22, "autocomplete": "off"}),
    )
    message_ru = _text_field(gettext_lazy("Message (Russian)"))
    message_kk = _text_field(gettext_lazy("Message (Kazakh)"))
    message_en = _text_field(gettext_lazy("Message (English)"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for side in ("left", "right"):
            if data.get(side):
                try:
                    parse_formula(data[side], ratio_allowed=False)
                except ReportRefusal as exc:
                    self.add_error(side, str(exc))
        return data


class RowsFormSet(forms.BaseFormSet):
    """Rows that may be added, removed and (with a number) reordered; no code is
    used twice among the rows kept."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        _label_inputs(form)

    def kept_forms(self) -> list[forms.Form]:
        """The rows to save, in their order: neither removed nor left blank.

        Rows are ordered by the number typed in their order field, rows without
        one last, in the order of the page.
        """
        kept = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", {})
            if self.can_delete and data.get(DELETION_FIELD_NAME):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            order = data.get(ORDERING_FIELD_NAME) if self.can_order else None
            kept.append((order is None, order or 0, index, form))
        return [form for *_key, form in sorted(kept, key=lambda row: row[:3])]

    def clean(self) -> None:
        seen: set[str] = set()
        for form in self.kept_forms():
            code = getattr(form, "cleaned_data", {}).get("code")
            if code in seen:
                form.add_error("code", _("This code is used twice."))
            elif code:
                seen.add(code)


SectionFormSet = cast(
    type[RowsFormSet],
    forms.formset_factory(
        SectionForm,
        formset=RowsFormSet,
        extra=0,
        can_order=True,
        can_delete=True,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    ),
)
IndicatorFormSet = cast(
    type[RowsFormSet],
    forms.formset_factory(
        IndicatorForm,
        formset=RowsFormSet,
        extra=0,
        can_order=True,
        can_delete=True,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    ),
)
RuleFormSet = cast(
    type[RowsFormSet],
    forms.formset_factory(
        RuleForm,
        formset=RowsFormSet,
        extra=0,
        can_delete=True,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    ),
)


def _names(data: Mapping[str, Any], prefix: str = "name") -> dict[str, str]:
    return {language: data[f"{prefix}_{language}"] for language in LANGUAGES}


def _flat_names(names: Mapping[str, str], prefix: str = "name") -> dict[str, str]:
    return {f"{prefix}_{language}": names[language] for language in LANGUAGES}


class DraftEditor:
    """The names form and the three formsets of one draft, read from a definition
    (to show) or from what was posted (to check and save)."""

    def __init__(
        self,
        *,
        code: str,
        definition: Definition | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        self.code = code
        if data is None:
            assert definition is not None
            self._from_definition(definition)
        else:
            self._from_data(data)

    def _from_definition(self, definition: Definition) -> None:
        sections = definition["sections"]
        self.names = NamesForm(initial=_flat_names(definition["name"]))
        self.sections = SectionFormSet(
            prefix=SECTIONS,
            initial=[{"code": s["code"], **_flat_names(s["name"])} for s in sections],
        )
        indicators = [
            {
                "section": str(row),
                "code": i["code"],
                **_flat_names(i["name"]),
                "value_type": i["type"],
                "source": i["source"],
                "measure": i.get("measure", ""),
                "formula": i.get("formula", ""),
                "aggregation": i.get("aggregation", ""),
            }
            for row, s in enumerate(sections)
            for i in s["indicators"]
        ]
        choices = [
            (str(row), _section_label(s["code"], s["name"][language_suffix()]))
            for row, s in enumerate(sections)
        ]
        self.indicators = IndicatorFormSet(
            prefix=INDICATORS,
            initial=indicators,
            form_kwargs={"section_choices": choices},
        )
        self.rules = RuleFormSet(
            prefix=RULES,
            initial=[
                {
                    "code": r["code"],
                    "left": r["left"],
                    "comparison": r["op"],
                    "right": r["right"],
                    **_flat_names(r["message"], "message"),
                }
                for r in definition.get("rules", [])
            ],
        )

    def _from_data(self, data: Mapping[str, Any]) -> None:
        self.names = NamesForm(data)
        self.sections = SectionFormSet(data, prefix=SECTIONS)
        choices = [
            (
                str(row),
                _section_label(
                    str(data.get(f"{SECTIONS}-{row}-code", "")),
                    str(data.get(f"{SECTIONS}-{row}-name_{language_suffix()}", "")),
                )
                or _("New section %(number)s") % {"number": row + 1},
            )
            for row in range(self.sections.total_form_count())
        ]
        self.indicators = IndicatorFormSet(
            data, prefix=INDICATORS, form_kwargs={"section_choices": choices}
        )
        self.rules = RuleFormSet(data, prefix=RULES)

    @property
    def formsets(self) -> list[RowsFormSet]:
        return [self.sections, self.indicators, self.rules]

    def is_valid(self) -> bool:
        names_valid = self.names.is_valid()
        # Every formset is checked, so that the page shows all faults at once.
        rows_valid = True
        for formset in self.formsets:
            rows_valid = formset.is_valid() and rows_valid
        if rows_valid:
            rows_valid = self._check_sections()
        return names_valid and rows_valid

    def _check_sections(self) -> bool:
        """Every kept indicator is in a kept section."""
        kept = {str(form.prefix) for form in self.sections.kept_forms()}
        valid = True
        for form in self.indicators.kept_forms():
            if f"{SECTIONS}-{form.cleaned_data['section']}" not in kept:
                form.add_error(
                    "section", _("This section is removed: choose another one.")
                )
                valid = False
        return valid

    def definition(self) -> Definition:
        """What the valid forms say, as ``replace_draft`` takes it."""
        sections: dict[str, Definition] = {}
        for form in self.sections.kept_forms():
            data = form.cleaned_data
            sections[str(form.prefix)] = {
                "code": data["code"],
                "name": _names(data),
                "indicators": [],
            }
        for form in self.indicators.kept_forms():
            data = form.cleaned_data
            indicator: Definition = {
                "code": data["code"],
                "type": data["value_type"],
                "source": data["source"],
                "name": _names(data),
            }
            if data["source"] == Source.REGISTRY:
                indicator["measure"] = data["measure"]
            if data["source"] == Source.FORMULA:
                indicator["formula"] = data["formula"]
            if data["aggregation"]:
                indicator["aggregation"] = data["aggregation"]
            sections[f"{SECTIONS}-{data['section']}"]["indicators"].append(indicator)
        return {
            "code": self.code,
            "name": _names(self.names.cleaned_data),
            "sections": list(sections.values()),
            "rules": [
                {
                    "code": form.cleaned_data["code"],
                    "left": form.cleaned_data["left"],
                    "op": form.cleaned_data["comparison"],
                    "right": form.cleaned_data["right"],
                    "message": _names(form.cleaned_data, "message"),
                }
                for form in self.rules.kept_forms()
            ],
        }


def _section_label(code: str, name: str) -> str:
    return " — ".join(part for part in (code, name) if part)


def with_row_added(data: QueryDict, kind: str) -> QueryDict:
    """Posted data with one more (blank) row of a kind, to show the page again."""
    changed = data.copy()
    key = f"{kind}-TOTAL_FORMS"
    try:
        total = int(changed.get(key, "0"))
    except ValueError:
        total = 0
    changed[key] = str(max(0, min(total + 1, MAX_ROWS)))
    return changed
