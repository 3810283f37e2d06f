"""The error report of an import: the file's own rows that were refused, and why.

The report is a workbook with the file's header row and, under it, each refused row
as it was in the file, its row number first and the problems in a last column, in
the reader's language. It is built from the kept file, read once more, so that
staff correct the rows they know and import the file again.
"""

from __future__ import annotations

from collections import defaultdict
from typing import IO

from django.utils.translation import gettext as _

from kasipodaq.registry.exports import in_temporary_file, new_workbook
from kasipodaq.registry.imports.headers import Field
from kasipodaq.registry.imports.reading import open_table
from kasipodaq.registry.imports.values import RowProblem, problem_message
from kasipodaq.registry.models import ImportJob


def problem_text(job: ImportJob, problem: RowProblem) -> str:
    """A problem's sentence, naming the column by the file's own header."""
    column = job.mapping.get(str(problem.field))
    header = job.headers[column] if column is not None else ""
    return problem_message(problem, header=header)


def job_problems(job: ImportJob) -> dict[int, list[str]]:
    """The kept problems of a job, as sentences by row number."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for number, field, code, other in job.problems.values_list(
        "row_number", "field", "code", "other_row"
    ).iterator(chunk_size=5000):
        by_row[number].append(
            problem_text(job, RowProblem(number, Field(field), code, other))
        )
    return by_row


def report_filename(job: ImportJob) -> str:
    return f"import-{job.pk}-errors.xlsx"


def write_report(job: ImportJob, target: IO[bytes] | str) -> int:
    """Write the job's refused rows to ``target``; the number of rows written."""
    problems = job_problems(job)
    table = open_table(job.file_path)
    workbook = new_workbook(target)
    sheet = workbook.add_worksheet(_("Refused rows")[:31])
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "font_color": "#9c0006"})
    sheet.write_row(0, 0, [_("Row"), *table.headers, _("Problems")], bold)
    problem_column = len(table.headers) + 1
    sheet.set_column(problem_column, problem_column, 80)
    sheet.freeze_panes(1, 1)
    written = 0
    for row in table.rows():
        messages = problems.get(row.number)
        if messages is None:
            continue
        written += 1
        sheet.write_number(written, 0, row.number)
        sheet.write_row(written, 1, row.values[: len(table.headers)])
        sheet.write_string(written, problem_column, "\n".join(messages), wrap)
        if written == len(problems):
            break
    workbook.close()
    return written


def report_file(job: ImportJob) -> IO[bytes]:
    """The report in an anonymous temporary file, rewound for reading."""
    return in_temporary_file(lambda target: write_report(job, target))
