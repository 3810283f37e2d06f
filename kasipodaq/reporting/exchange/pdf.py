"""A printed report as a PDF in the union's layout.

The title lines, then the table of code, indicator and value with a shaded row
per section, on A4 (landscape for the consolidated view). A consolidated view
with more organizations below than fit across the page continues in further
tables that repeat the code and indicator columns. Numbers are printed the
union's way («613 860», «72,0»), in DejaVu Sans so that Kazakh letters show, with
the fonts embedded; long rows (a text figure) break across pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kasipodaq.core.fonts import register_fonts

from ..models import ValueType
from .layout_rows import PrintedReport, shown

MARGIN = 15 * mm
CODE_WIDTH = 30 * mm
VALUE_WIDTH = 27 * mm
NAME_MIN_WIDTH = 70 * mm
SECTION_SHADE = colors.HexColor("#EEEEEE")
HEADER_SHADE = colors.HexColor("#D9D9D9")
NUMBERS = frozenset({ValueType.COUNT, ValueType.AMOUNT, ValueType.PERCENT})


def report_pdf(printed: PrintedReport) -> bytes:
    """The PDF's bytes."""
    regular, bold = register_fonts()
    styles = _styles(regular, bold)
    page = landscape(A4) if printed.children else A4
    buffer = BytesIO()
    with translation.override(printed.language):
        document = SimpleDocTemplate(
            buffer,
            pagesize=page,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=printed.form_name,
            subject=printed.organization.name,
            author="Kasipodaq",
            lang=printed.language,
        )
        story: list[Any] = [Paragraph(escape(printed.heading[0]), styles["title"])]
        story += [
            Paragraph(escape(line), styles["line"]) for line in printed.heading[1:]
        ]
        story.append(Spacer(1, 4 * mm))
        usable = page[0] - 2 * MARGIN
        per_table = max(1, int((usable - CODE_WIDTH - NAME_MIN_WIDTH) // VALUE_WIDTH))
        for columns in _column_groups(printed.value_columns, per_table):
            story.append(_table(printed, columns, usable, styles, bold))
            story.append(Spacer(1, 6 * mm))
        page_label = _("Page %(number)s")

        def footer(canvas: Any, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(regular, 7)
            canvas.drawRightString(
                page[0] - MARGIN,
                MARGIN / 2,
                page_label % {"number": doc.page},
            )
            canvas.restoreState()

        document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _column_groups(count: int, per_table: int) -> Iterator[list[int]]:
    """The value columns of each table: as many as fit across the page."""
    for start in range(0, count, per_table):
        yield list(range(start, min(count, start + per_table)))


def _table(
    printed: PrintedReport,
    columns: list[int],
    usable: float,
    styles: dict[str, ParagraphStyle],
    bold: str,
) -> Table:
    titles = printed.column_titles
    header = [
        Paragraph(escape(titles[0]), styles["head"]),
        Paragraph(escape(titles[1]), styles["head"]),
        *(Paragraph(escape(titles[2 + c]), styles["head"]) for c in columns),
    ]
    data: list[list[Any]] = [header]
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_SHADE),
    ]
    for row in printed.rows:
        if row.is_section:
            commands += [
                ("SPAN", (0, len(data)), (-1, len(data))),
                ("BACKGROUND", (0, len(data)), (-1, len(data)), SECTION_SHADE),
            ]
            data.append([Paragraph(escape(row.name), styles["section"])])
            continue
        data.append(
            [
                Paragraph(escape(row.code), styles["code"]),
                Paragraph(escape(row.name), styles["cell"]),
                *(
                    Paragraph(
                        escape(shown(row.values[c], row.value_type)),
                        styles["number" if row.value_type in NUMBERS else "cell"],
                    )
                    for c in columns
                ),
            ]
        )
    width = len(columns) * VALUE_WIDTH
    widths = [CODE_WIDTH, usable - CODE_WIDTH - width, *[VALUE_WIDTH] * len(columns)]
    # Section rows hold one cell; the table wants every row as wide as the others.
    full = len(widths)
    data = [row + [""] * (full - len(row)) for row in data]
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle(commands))
    return table


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName=bold, fontSize=13, leading=16
        ),
        "line": ParagraphStyle("line", parent=base, fontSize=9, leading=12),
        "head": ParagraphStyle("head", parent=base, fontName=bold),
        "section": ParagraphStyle("section", parent=base, fontName=bold),
        "code": ParagraphStyle(
            "code", parent=base, fontSize=7, textColor=colors.dimgrey, wordWrap="CJK"
        ),
        "cell": base,
        "number": ParagraphStyle("number", parent=base, alignment=TA_RIGHT),
    }
