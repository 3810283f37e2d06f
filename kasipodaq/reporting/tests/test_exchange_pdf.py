"""A report printed as PDF: a valid document whose text, Kazakh letters included,
is set in the DejaVu fonts shipped with Kasipodaq and embedded in the file."""

from __future__ import annotations

import base64
import re
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kasipodaq.core import fonts
from kasipodaq.orgtree.models import Level
from kasipodaq.registry.tests.factories import Tree, make_unit
from kasipodaq.reporting.exchange.layout_rows import printed_report_of
from kasipodaq.reporting.exchange.pdf import report_pdf
from kasipodaq.reporting.models import Campaign, Report, ReportForm
from kasipodaq.reporting.services.campaigns import create_reports
from kasipodaq.reporting.services.reports import save_entries

from .conftest import open_for

pytestmark = pytest.mark.django_db

# --- reading a PDF as reportlab writes it (no PDF library is a dependency) ----------

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_SHOWN = re.compile(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t"}


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(number): body for number, body in _OBJECT.findall(data)}


def _stream(body: bytes) -> bytes:
    start = re.search(rb"stream\r?\n", body)
    length = re.search(rb"/Length (\d+)", body)
    assert start is not None and length is not None
    head = body[: start.start()]
    raw = body[start.end() : start.end() + int(length.group(1))]
    if b"/ASCII85Decode" in head:
        raw = base64.a85decode(raw.strip(), adobe=True)
    return zlib.decompress(raw) if b"/FlateDecode" in head else raw


def _unescaped(text: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, text, flags=re.S)


def pdf_text(data: bytes) -> str:
    """The text the PDF's pages show, decoded through each embedded font's
    ToUnicode map, pieces joined by spaces."""
    objects = _objects(data)
    maps: dict[str, dict[int, str]] = {}
    for body in objects.values():
        name = re.search(rb"/Name /(\S+)", body)
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if name and to_unicode:
            cmap = _stream(objects[int(to_unicode.group(1))])
            maps[name.group(1).decode()] = {
                int(code, 16): chr(int(char, 16))
                for code, char in re.findall(
                    rb"<([0-9a-fA-F]{2})> <([0-9a-fA-F]{4})>", cmap
                )
            }
    pieces = []
    for body in objects.values():
        contents = re.search(rb"/Contents (\d+) 0 R", body)
        if b"/Type /Page" not in body or contents is None:
            continue
        font = ""
        for match in _SHOWN.finditer(_stream(objects[int(contents.group(1))])):
            if match.group(1):
                font = match.group(1).decode()
                continue
            codes = _unescaped(match.group(2))
            pieces.append("".join(maps.get(font, {}).get(c, chr(c)) for c in codes))
    return " ".join(pieces)


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


# --- the tests -----------------------------------------------------------------------


def test_the_kazakh_pdf_is_valid_and_shows_kazakh_text_in_an_embedded_font(
    tree: Tree, membership_campaign: Campaign
) -> None:
    """A PDF document of one A4 page, DejaVu Sans embedded, whose text is the
    report in Kazakh: the form, sections and indicators, with their figures."""
    tree.admit(tree.primaries[0])
    report = Report.objects.get(campaign=membership_campaign, unit=tree.primaries[0])
    data = report_pdf(printed_report_of(report, language="kk"))

    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert page_count(data) == 1
    assert b"/FontFile2" in data
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans\b", data)
    text = pdf_text(data)
    for kazakh in (
        "Кәсіподақ мүшелігінің саны мен құрылымы",
        "Кәсіподақ мүшелері",
        "Кәсіподақ мүшелерінің барлығы",
        "Әйелдердің үлесі, %",
        "Ұйымдық құрылым және қамту",
    ):
        assert kazakh in text
    assert "Всего членов профсоюза" not in text
    assert re.search(r"members Кәсіподақ мүшелерінің барлығы 1\b", text)
    assert "women_share Әйелдердің үлесі, % 100,0" in text


def test_a_wide_consolidated_view_continues_in_tables_that_fit_the_page(
    tree: Tree, membership_campaign: Campaign
) -> None:
    """The centre with more organizations below than fit across the page: every
    one of them is printed, the indicator names repeated for each table."""
    for number in range(8):
        make_unit(tree.central, Level.REGION, name=f"Дальняя область {number}")
    create_reports(membership_campaign)
    report = Report.objects.get(campaign=membership_campaign, unit=tree.central)
    printed = printed_report_of(report, language="ru", children=True)
    assert len(printed.children) == 10
    text = pdf_text(report_pdf(printed))
    for child in printed.children:
        assert child.name in text
    assert text.count("Всего членов профсоюза") == 2


def test_a_long_text_figure_breaks_across_pages(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """A text figure of the longest length allowed is printed whole, over pages."""
    campaign = open_for(tree, forms["information"])
    report = Report.objects.get(campaign=campaign, unit=tree.primaries[0])
    words = " ".join(["Медиа"] * 660)  # 3,959 characters
    save_entries(actor=tree.admin, report=report, raw={"highlights": words})
    data = report_pdf(printed_report_of(report, language="ru"))
    assert page_count(data) >= 2
    assert pdf_text(data).count("Медиа") == 660


def test_the_fonts_ship_with_kasipodaq_and_are_found_there_first() -> None:
    """A fresh machine without DejaVu installed prints with the shipped copies;
    their licence ships beside them; a missing font is a clear configuration
    error."""
    assert fonts.font_file(fonts.REGULAR) == fonts.SHIPPED / "DejaVuSans.ttf"
    assert fonts.font_file(fonts.BOLD) == fonts.SHIPPED / "DejaVuSans-Bold.ttf"
    assert "Bitstream Vera" in (fonts.SHIPPED / "LICENSE").read_text()
    with pytest.raises(ImproperlyConfigured, match=r"NoSuchFont\.ttf"):
        fonts.font_file("NoSuchFont")


def test_without_the_shipped_fonts_the_systems_copy_serves(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The shipped folder pruned: the font is taken from the next folder."""
    monkeypatch.setattr(fonts, "FOLDERS", (tmp_path / "pruned", fonts.SHIPPED))
    assert fonts.font_file(fonts.REGULAR).parent == fonts.SHIPPED
    monkeypatch.setattr(fonts, "FOLDERS", (tmp_path / "pruned",))
    with pytest.raises(ImproperlyConfigured):
        fonts.font_file(fonts.REGULAR)
