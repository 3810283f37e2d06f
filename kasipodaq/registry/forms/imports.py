"""The shape of the import pages' input: a file, its columns, what to do with it.

The rules of a mapping (required fields, known columns) are the import service's:
these forms only collect the user's choices and keep them for the page to show
again when the service refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kasipodaq.core.errors import DomainError

from ..imports.headers import REQUIRED, SPELLINGS, Field
from ..models import ImportKind, ImportMode
from ..services.imports import field_label

ACCEPTED_FILES = ".xlsx,.xls,.ods,.csv"
NOT_IMPORTED = ""
# Each mode in one line, under its name.
MODE_HELP = {
    ImportMode.CHECK: _(
        "Every row is checked and the problems are listed; nothing is written."
    ),
    ImportMode.ALL_OR_NOTHING: _(
        "The file is written only if no row has a problem; otherwise nothing is."
    ),
    ImportMode.VALID_ROWS: _(
        "Rows without problems are written; the others are left out and listed."
    ),
}


class UploadForm(forms.Form):
    """The file and what it holds, among the kinds the user may import."""

    kind = forms.ChoiceField(label=_("The file holds"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File"),
        help_text=_("XLSX, XLS, ODS or CSV (UTF-8 or Windows-1251), headers first."),
        # An empty file is the import's to refuse, with its own message.
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ACCEPTED_FILES}),
    )

    def __init__(self, *args: Any, kinds: list[ImportKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(kind.value, kind.label) for kind in kinds]
        if len(kinds) == 1:
            field.initial = kinds[0].value


@dataclass(frozen=True)
class RequiredField:
    """A field the import cannot do without, as the mapping page lists it."""

    field: Field
    label: str
    header: str | None  # the chosen column's header, None while none is chosen
    error: str


@dataclass(frozen=True)
class ColumnRow:
    """One column of the file: its letter, its header, its choice, its first cells."""

    letter: str
    header: str
    choice: forms.BoundField
    samples: list[str]


def column_letter(index: int) -> str:
    """A spreadsheet's name for a column: A … Z, AA, AB …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class MappingForm(forms.Form):
    """One choice of field per column of the file, the mode, a name to save under.

    Unbound, it shows ``mapping`` (field → column); bound, what the user chose.
    """

    mode = forms.ChoiceField(
        label=_("What to do"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=_("Give it a name to offer it again for files of the same form."),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        kind: str,
        headers: list[str],
        mapping: dict[str, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.kind = kind
        self.headers = headers
        self.required = REQUIRED[kind]
        # Refusals of the service that name a field no column holds yet.
        self.field_refusals: dict[str, str] = {}
        by_column = {column: field for field, column in mapping.items()}
        choices = [
            (str(field), self._field_choice_label(field)) for field in SPELLINGS[kind]
        ]
        for index, header in enumerate(headers):
            self.fields[self.column_name(index)] = forms.ChoiceField(
                label=header or column_letter(index),
                required=False,
                choices=[(NOT_IMPORTED, _("— not imported —")), *choices],
                initial=by_column.get(index, NOT_IMPORTED),
            )

    @staticmethod
    def column_name(index: int) -> str:
        return f"column_{index}"

    def _field_choice_label(self, field: Field) -> str:
        label = capfirst(field_label(field))
        return f"{label} *" if field in self.required else label

    def chosen(self) -> dict[str, int]:
        """Field → column as the form shows it now: posted, or else the initial."""
        chosen: dict[str, int] = {}
        for index in range(len(self.headers)):
            value = self[self.column_name(index)].value()
            if value and value not in chosen:
                chosen[value] = index
        return chosen

    def clean(self) -> dict[str, Any]:
        """Refuse a field chosen for two columns, at the second of them."""
        cleaned = super().clean() or {}
        seen: dict[str, int] = {}
        for index in range(len(self.headers)):
            name = self.column_name(index)
            value = cleaned.get(name)
            if not value:
                continue
            if value in seen:
                self.add_error(
                    name,
                    _("«%(field)s» is already chosen for column %(column)s.")
                    % {
                        "field": field_label(Field(value)),
                        "column": column_letter(seen[value]),
                    },
                )
            else:
                seen[value] = index
        return cleaned

    def mapping(self) -> dict[str, int]:
        """Field → column as chosen; call after is_valid()."""
        return {
            self.cleaned_data[self.column_name(index)]: index
            for index in range(len(self.headers))
            if self.cleaned_data.get(self.column_name(index))
        }

    def refuse(self, exc: DomainError) -> None:
        """Show a refusal of the service beside the field it names, or on top."""
        if exc.field in {str(f) for f in SPELLINGS[self.kind]}:
            self.field_refusals[exc.field] = str(exc.message)
        else:
            self.add_error(None, str(exc.message))

    def required_fields(self) -> list[RequiredField]:
        """The required fields, each with the column chosen for it, if any.

        A full-name column stands in for the last and first names.
        """
        chosen = self.chosen()
        full_name = chosen.get(str(Field.FULL_NAME))
        rows = []
        for field in self.required:
            column = chosen.get(str(field))
            if column is None and field in (Field.LAST_NAME, Field.FIRST_NAME):
                column = full_name
            rows.append(
                RequiredField(
                    field=field,
                    label=capfirst(field_label(field)),
                    header=(
                        None
                        if column is None
                        else self.headers[column] or column_letter(column)
                    ),
                    error=self.field_refusals.get(str(field), ""),
                )
            )
        return rows

    def column_rows(self, samples: list[list[str]]) -> list[ColumnRow]:
        """The table of the mapping page: a row per column of the file."""
        return [
            ColumnRow(
                letter=column_letter(index),
                header=header,
                choice=self[self.column_name(index)],
                samples=samples[index] if index < len(samples) else [],
            )
            for index, header in enumerate(self.headers)
        ]

    def mode_choices(self) -> list[tuple[str, str, str]]:
        """(value, name, one line of explanation) of each mode."""
        return [
            (mode.value, str(mode.label), str(MODE_HELP[mode])) for mode in ImportMode
        ]


class RunAgainForm(forms.Form):
    """A job that wrote nothing, sent again: to import now, or its valid rows only."""

    mode = forms.ChoiceField(
        choices=[
            (ImportMode.ALL_OR_NOTHING, ImportMode.ALL_OR_NOTHING.label),
            (ImportMode.VALID_ROWS, ImportMode.VALID_ROWS.label),
        ]
    )
