"""A cash receipt as a PDF, to print and hand to the member."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kasipodaq.core.fonts import register_fonts

from .models import Payment
from .money import to_tenge

MARGIN = 12 * mm


def receipt_pdf(payment: Payment, *, union_name: str) -> bytes:
    """The receipt of a cash payment (its person and organization loaded)."""
    regular, bold = register_fonts()
    title = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18)
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A5,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Receipt %(number)s") % {"number": payment.reference},
        author="Kasipodaq",
    )
    rows = [
        (_("Member"), payment.person.full_name),
        (_("Organization"), payment.org_unit.name),
        (_("Paid on"), date_format(payment.paid_on, "DATE_FORMAT")),
        (
            _("Amount"),
            _("%(amount)s tenge")
            % {
                "amount": number_format(
                    to_tenge(payment.amount_tiyn), 2, force_grouping=True
                )
            },
        ),
        (
            _("For the month"),
            payment.month.strftime("%Y-%m") if payment.month else _("the oldest owed"),
        ),
    ]
    table = Table(
        [[Paragraph(escape(k), body), Paragraph(escape(v), body)] for k, v in rows],
        colWidths=[40 * mm, None],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    document.build(
        [
            Paragraph(escape(union_name), body),
            Spacer(1, 4 * mm),
            Paragraph(
                escape(
                    _("Receipt No. %(number)s for union dues")
                    % {"number": payment.reference}
                ),
                title,
            ),
            Spacer(1, 6 * mm),
            table,
            Spacer(1, 14 * mm),
            Paragraph(escape(_("Received by: ______________________")), body),
        ]
    )
    return buffer.getvalue()
