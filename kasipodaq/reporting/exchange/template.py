"""The offline template: a report as an XLSX to fill without internet, and its upload.

The template is the report as printed, with a yellow input cell beside each figure
the organization enters (its own figure, the one it saved, if any) and the computed
ones shown read-only; the rest of the worksheet is protected. A very hidden second
worksheet holds what the template is for: form, version, year and organization,
and the row of each input cell, signed with the install's secret key
(``django.core.signing``) so that a template cannot be passed off as another's.

An upload is read with python-calamine and refused, with a translated reason and
nothing saved, when it is not an XLSX or is damaged, has no or altered template
data, or belongs to another form, version, year or organization. The figures then
go to ``save_entries`` like those typed on the report's page, so the same checks
apply and a locked report stays unchanged; a figure refused there is reported with
its row in the file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import python_calamine
from django.core import signing
from django.utils import translation
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.registry.exports import in_temporary_file, new_workbook
from kasipodaq.registry.imports.reading import ZIP_MAGIC

from ..entries import TEXT_MAX, EntriesRefused
from ..errors import ReportRefusal
from ..formulas import Figure
from ..layout import layout_of
from ..models import (
    Report,
    ReportAction,
    ReportForm,
    ReportValue,
    Source,
    ValueType,
)
from ..services.reports import save_entries
from .layout_rows import PrintedReport, printed_report_of
from .xlsx import NUMBER_FORMATS

SALT = "kasipodaq.reporting.exchange.template"
META_SHEET = "kasipodaq"
META_KEYS = ("form", "version", "year", "organization")
SIGNATURE = "signature"
# Columns of the template's worksheet: code, indicator, type, figure, source.
CODE_COLUMN, INPUT_COLUMN = 0, 3
WIDTHS = (18, 60, 12, 16, 36)
# A filled template is a few kilobytes: anything far larger is not one.
MAX_TEMPLATE_BYTES = 2 << 20
MAX_UNPACKED_BYTES = 50 << 20
LARGEST_COUNT = 999_999_999_999


class TemplateRefused(ReportRefusal):
    """An uploaded template that cannot be taken, and why."""

    code = "template_refused"


class TemplateFiguresRefused(TemplateRefused):
    """The template was read, but some figures cannot be saved: each problem
    names the row of the file, the indicator and what is wrong."""

    code = "template_figures_refused"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            _(
                "Some figures of the file cannot be saved: correct them and upload "
                "it again."
            )
        )
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    row: int  # 1-based, as a spreadsheet numbers rows
    code: str
    name: str
    message: str


@dataclass(frozen=True)
class FilledTemplate:
    form: str
    version: int
    year: int
    organization: str
    # The value of each input cell, by indicator code, and its 0-based row.
    values: dict[str, object]
    rows: dict[str, int]


# --- building -----------------------------------------------------------------------


def template_filename(report: Report, language: str) -> str:
    campaign = report.campaign
    return (
        f"{campaign.form.code}-{campaign.year}-{report.unit.code}"
        f"-{language}-template.xlsx"
    )


def template_file(report: Report, *, language: str) -> IO[bytes]:
    """The template of `report` in an anonymous temporary file, rewound."""
    return in_temporary_file(lambda target: write_template(report, language, target))


def write_template(report: Report, language: str, target: IO[bytes] | str) -> None:
    printed = printed_report_of(report, language=language)
    own = _own_values(report)
    workbook = new_workbook(target)
    formats = _formats(workbook)
    with translation.override(language):
        sheet = workbook.add_worksheet(_sheet_name(printed.form_code))
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width)
        row = 0
        for number, line in enumerate(printed.heading):
            sheet.write_string(
                row, 0, line, formats["title" if number == 0 else "line"]
            )
            row += 1
        sheet.write_string(
            row,
            0,
            _(
                "Enter your organization's own figures in the yellow cells and upload "
                "the file on the report's page. The figures of the organizations below "
                "are added to them when the report is compiled."
            ),
            formats["note"],
        )
        row += 2
        titles = (_("Code"), _("Indicator"), _("Type"), _("Figure"), _("Source"))
        for column, title in enumerate(titles):
            sheet.write_string(row, column, title, formats["header"])
        header_row = row
        row += 1
        rows: dict[str, int] = {}
        layout = layout_of(report.campaign.version)
        for printed_row in printed.rows:
            if printed_row.is_section:
                sheet.merge_range(
                    row, 0, row, len(titles) - 1, printed_row.name, formats["section"]
                )
                row += 1
                continue
            indicator = layout.by_code[printed_row.code]
            sheet.write_string(row, 0, indicator.code, formats["code"])
            sheet.write_string(row, 1, printed_row.name, formats["name"])
            sheet.write_string(
                row, 2, str(ValueType(indicator.value_type).label), formats["code"]
            )
            if indicator.is_entered:
                rows[indicator.code] = row
                _write_figure(
                    sheet,
                    row,
                    own.get(indicator.code),
                    formats[f"input_{indicator.value_type}"],
                )
                sheet.data_validation(
                    row,
                    INPUT_COLUMN,
                    row,
                    INPUT_COLUMN,
                    _validation(indicator.value_type),
                )
                sheet.write_blank(row, 4, None, formats["code"])
            else:
                _write_figure(
                    sheet,
                    row,
                    printed_row.values[0],
                    formats[f"computed_{indicator.value_type}"],
                )
                sheet.write_string(
                    row, 4, str(Source(indicator.source).label), formats["code"]
                )
            row += 1
        sheet.freeze_panes(header_row + 1, 2)
        sheet.protect(
            "",
            {
                "select_locked_cells": True,
                "select_unlocked_cells": True,
                "format_columns": True,
                "format_rows": True,
            },
        )
        _write_meta(workbook, printed, rows)
    workbook.close()


def _sheet_name(form_code: str) -> str:
    return str(form_code)[:31]


def _own_values(report: Report) -> dict[str, Decimal | str]:
    """The figures the organization saved itself (not rolled up from below)."""
    return {
        code: (text if number is None else number)
        for code, number, text in ReportValue.objects.filter(
            report=report, indicator__source=Source.ENTERED
        ).values_list("indicator__code", "number", "text")
    }


def _write_meta(workbook: Any, printed: PrintedReport, rows: dict[str, int]) -> None:
    """What the template is for, readable, and signed together with the row of
    each input cell."""
    fields = {
        "form": printed.form_code,
        "version": str(printed.version),
        "year": str(printed.year),
        "organization": printed.organization.code,
    }
    token = signing.dumps({**fields, "rows": rows}, salt=SALT, compress=True)
    meta = workbook.add_worksheet(META_SHEET)
    for number, (key, value) in enumerate([*fields.items(), (SIGNATURE, token)]):
        meta.write_string(number, 0, key)
        meta.write_string(number, 1, value)
    meta.very_hidden()


def _write_figure(sheet: Any, row: int, value: Figure, cell_format: Any) -> None:
    if value is None:
        sheet.write_blank(row, INPUT_COLUMN, None, cell_format)
    elif isinstance(value, str):
        sheet.write_string(row, INPUT_COLUMN, value, cell_format)
    else:
        sheet.write_number(row, INPUT_COLUMN, float(value), cell_format)


def _validation(value_type: str) -> dict[str, Any]:
    """What a spreadsheet checks as the cell is typed into; the upload checks again."""
    title = _("Figure refused")
    if value_type == ValueType.TEXT:
        return {
            "validate": "length",
            "criteria": "<=",
            "value": TEXT_MAX,
            "error_title": title,
            "error_message": _("At most %(count)s characters.") % {"count": TEXT_MAX},
        }
    if value_type == ValueType.COUNT:
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": 0,
            "maximum": LARGEST_COUNT,
            "error_title": title,
            "error_message": _("Enter a whole number, zero or more."),
        }
    if value_type == ValueType.PERCENT:
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 100,
            "error_title": title,
            "error_message": _("Enter a percentage from 0 to 100."),
        }
    return {
        "validate": "decimal",
        "criteria": "between",
        "minimum": 0,
        "maximum": LARGEST_COUNT,
        "error_title": title,
        "error_message": _("Enter an amount, zero or more."),
    }


def _formats(workbook: Any) -> dict[str, Any]:
    cell = {"border": 1, "valign": "top"}
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "line": workbook.add_format({}),
        "note": workbook.add_format({"italic": True, "font_color": "#595959"}),
        "header": workbook.add_format(
            {**cell, "bold": True, "bg_color": "#D9D9D9", "text_wrap": True}
        ),
        "section": workbook.add_format({**cell, "bold": True, "bg_color": "#F2F2F2"}),
        "code": workbook.add_format({**cell, "font_color": "#595959"}),
        "name": workbook.add_format({**cell, "text_wrap": True}),
    }
    number_formats = {**NUMBER_FORMATS, ValueType.TEXT: "@"}
    for value_type, number_format in number_formats.items():
        wrap = value_type == ValueType.TEXT
        formats[f"input_{value_type}"] = workbook.add_format(
            {
                **cell,
                "num_format": number_format,
                "locked": False,
                "bg_color": "#FFF2CC",
                "text_wrap": wrap,
            }
        )
        formats[f"computed_{value_type}"] = workbook.add_format(
            {
                **cell,
                "num_format": number_format,
                "bg_color": "#F2F2F2",
                "font_color": "#595959",
                "text_wrap": wrap,
            }
        )
    return formats


# --- reading and uploading ----------------------------------------------------------


def upload_template(*, actor: Any, report: Report, data: bytes) -> Report:
    """Save the figures of a filled template of `report`, as typed on its page.

    Refused with nothing saved: a file that is not this report's template (another
    form, version, year or organization, or altered), a locked report, or a
    figure the form does not take.
    """
    policy.require(actor, Perm.REPORT_FILL, unit=report.unit)
    filled = read_template(data)
    check_template_fits(filled, report)
    try:
        return save_entries(
            actor=actor,
            report=report,
            raw=filled.values,
            action=ReportAction.UPLOADED,
        )
    except EntriesRefused as exc:
        raise TemplateFiguresRefused(_problems(exc.errors, filled, report)) from exc


def _problems(
    errors: Mapping[str, str], filled: FilledTemplate, report: Report
) -> list[Problem]:
    by_code = layout_of(report.campaign.version).by_code
    problems = [
        Problem(
            row=filled.rows.get(code, -1) + 1,
            code=code,
            name=by_code[code].name if code in by_code else code,
            message=message,
        )
        for code, message in errors.items()
    ]
    return sorted(problems, key=lambda problem: problem.row)


def check_template_fits(filled: FilledTemplate, report: Report) -> None:
    """Refuse a template made for another report than `report`."""
    campaign = report.campaign
    if filled.form != campaign.form.code:
        other = ReportForm.objects.filter(code=filled.form).first()
        raise TemplateRefused(
            _(
                "The file is a template of the form «%(found)s», not of "
                "«%(expected)s»: download this report's template."
            )
            % {
                "found": other.name if other else filled.form,
                "expected": campaign.form.name,
            },
            code="other_form",
        )
    if filled.year != campaign.year:
        raise TemplateRefused(
            _("The file is a template of the report for %(found)s, not %(expected)s.")
            % {"found": filled.year, "expected": campaign.year},
            code="other_period",
        )
    if filled.organization != report.unit.code:
        raise TemplateRefused(
            _(
                "The file is a template of another organization's report (code "
                "%(found)s), not of %(expected)s."
            )
            % {"found": filled.organization, "expected": report.unit.name},
            code="other_organization",
        )
    if filled.version != campaign.version.number:
        raise TemplateRefused(
            _(
                "The file is a template of version %(found)s of the form; this "
                "report is filed in version %(expected)s: download its template."
            )
            % {"found": filled.version, "expected": campaign.version.number},
            code="other_version",
        )


def read_template(data: bytes) -> FilledTemplate:
    """The template data and input cells of an uploaded file, or a refusal."""
    workbook = _open_workbook(data)
    meta = _signed_meta(workbook)
    # The figures' worksheet is named by the form's code, as written.
    if _sheet_name(meta["form"]) not in workbook.sheet_names:
        raise _altered()
    start, cells = _cells(workbook, _sheet_name(meta["form"]))
    rows: dict[str, int] = meta["rows"]
    values: dict[str, object] = {}
    for code, row in rows.items():
        if _text(_cell(cells, start, row, CODE_COLUMN)) != code:
            raise TemplateRefused(
                _(
                    "The rows of the template have been moved or changed: download "
                    "a new template and fill it in."
                ),
                code="altered",
            )
        values[code] = _raw(_cell(cells, start, row, INPUT_COLUMN))
    return FilledTemplate(
        form=meta["form"],
        version=int(meta["version"]),
        year=int(meta["year"]),
        organization=meta["organization"],
        values=values,
        rows=rows,
    )


def _open_workbook(data: bytes) -> python_calamine.CalamineWorkbook:
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateRefused(
            _("The file is too large to be a report template."), code="too_large"
        )
    if not data.startswith(ZIP_MAGIC):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            unpacked = sum(entry.file_size for entry in entries)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _damaged() from exc
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_xlsx()
    if unpacked > MAX_UNPACKED_BYTES:
        raise TemplateRefused(
            _("The file is too large to be a report template."), code="too_large"
        )
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise TemplateRefused(
            _("The file is protected by a password: remove it and upload again."),
            code="password",
        ) from exc
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise _damaged() from exc


def _signed_meta(workbook: python_calamine.CalamineWorkbook) -> dict[str, Any]:
    """The template data, checked against its signature."""
    if META_SHEET not in workbook.sheet_names:
        raise TemplateRefused(
            _(
                "The file is not a report template of Kasipodaq: download the "
                "template from the report's page, fill it in and upload it."
            ),
            code="no_template_data",
        )
    _start, cells = _cells(workbook, META_SHEET)
    shown = {
        _text(row[0]): _text(row[1]) for row in cells if len(row) >= 2 and row[0] != ""
    }
    try:
        signed = signing.loads(shown.get(SIGNATURE, ""), salt=SALT)
    except signing.BadSignature as exc:
        raise _altered() from exc
    if (
        not isinstance(signed, dict)
        or any(shown.get(key) != signed.get(key) for key in META_KEYS)
        or not isinstance(signed.get("rows"), dict)
    ):
        raise _altered()
    return signed


def _cells(
    workbook: python_calamine.CalamineWorkbook, name: str
) -> tuple[tuple[int, int], list[list[Any]]]:
    try:
        sheet = workbook.get_sheet_by_name(name)
        cells = sheet.to_python()
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise _damaged() from exc
    return (sheet.start or (0, 0)), cells


def _cell(cells: list[list[Any]], start: tuple[int, int], row: int, column: int) -> Any:
    """The cell at a 0-based position of the worksheet ('' when empty)."""
    r, c = row - start[0], column - start[1]
    if 0 <= r < len(cells) and 0 <= c < len(cells[r]):
        return cells[r][c]
    return ""


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _raw(cell: Any) -> object:
    """An input cell as ``parse_entries`` reads it: a number as typed (a spreadsheet
    keeps 1234,56 as 1234.5600000000001), text and dates as text."""
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, float):
        if cell.is_integer():
            return int(cell)
        return Decimal(repr(round(cell, 9)))
    if isinstance(cell, int):
        return cell
    if isinstance(cell, str):
        return cell
    return cell.isoformat() if hasattr(cell, "isoformat") else str(cell)


def _not_xlsx() -> TemplateRefused:
    return TemplateRefused(
        _(
            "The file is not an XLSX workbook: upload the template downloaded from "
            "the report's page."
        ),
        code="not_xlsx",
    )


def _damaged() -> TemplateRefused:
    return TemplateRefused(
        _("The file is damaged or incomplete and cannot be read."), code="damaged"
    )


def _altered() -> TemplateRefused:
    return TemplateRefused(
        _(
            "The template's data has been altered, so it cannot be trusted: download "
            "a new template and fill it in."
        ),
        code="altered",
    )
