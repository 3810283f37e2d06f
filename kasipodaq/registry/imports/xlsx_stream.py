"""Reading a large XLSX worksheet as a stream of rows, in bounded memory.

python-calamine reads a worksheet whole before giving its first row: fast, but a
million-row sheet takes most of a gigabyte. Large workbooks are read here instead,
straight from the archive: the worksheet's XML is parsed incrementally and each row
is dropped once yielded, so memory holds the shared strings and one row. Cells come
out as ``reading`` gives them for calamine's: text stripped, whole numbers without
``.0``, dates (numbers in a date format) as ``YYYY-MM-DD``, formulas as their last
computed value, booleans as TRUE/FALSE; a merged range has its value in its first
cell only; hidden rows are read like any other.
"""

from __future__ import annotations

import datetime
import html
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELATIONSHIPS = (
    "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
)
WORKSHEET_TYPE = "/worksheet"
TEXT, PHONETIC = MAIN + "t", MAIN + "rPh"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# Built-in number formats that show a date or time (ECMA-376, 18.8.30).
DATE_FORMAT_IDS = frozenset(
    {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
)
# A custom format shows a date when, outside quoted text and [..] parts, it has
# a day, month-with-year or year code.
QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
DATE_CODES = re.compile(r"[dy]|m.*[dy]|[dy].*m", re.IGNORECASE)
# Spreadsheet dates are counted in days and know no time zone.
EPOCH = datetime.datetime(1899, 12, 30)  # noqa: DTZ001
EPOCH_1904 = datetime.datetime(1904, 1, 1)  # noqa: DTZ001
COLUMN = re.compile(r"[A-Z]+")
# The worksheet's XML, scanned: a row, a cell, their attributes, a value, a text.
CHUNK_BYTES = 1 << 20
# An element's body is matched a run of text at a time up to its end tag (an
# unrolled loop), not a character at a time as ``.*?`` would.
ROW_XML = re.compile(
    rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>([^<]*(?:<(?!/(?:\w+:)?row>)[^<]*)*)</(?:\w+:)?row>)"
)
CELL_XML = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>([^<]*(?:<(?!/(?:\w+:)?c>)[^<]*)*)</(?:\w+:)?c>)"
)
VALUE_XML = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>(.*?)</(?:\w+:)?v>", re.S)
TEXT_XML = re.compile(rb"<(?:\w+:)?t(\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
PHONETIC_XML = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
NUMBER_ATTR = re.compile(rb'\br="(\d+)"')
# A cell's attributes that matter: its reference, style and type.
ATTRIBUTES = re.compile(rb'\b([rst])="([^"]*)"')
DIGITS = b"0123456789"
# The bodies most cells have: a value, or an inline string of one run.
VALUE_START, VALUE_END = b"<v>", b"</v>"
INLINE_START, INLINE_END = b"<is><t>", b"</t></is>"
DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
# A worksheet cut short (a truncated file) lacks its closing tag.
WORKSHEET_END = re.compile(rb"</(?:\w+:)?worksheet>\s*$")
TAIL_BYTES = 256
# What a damaged archive or a hostile XML (entities, DTDs) raises while read.
READ_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    ParseError,
    DefusedXmlException,
    OSError,
    EOFError,
    ValueError,
    IndexError,
)


class XlsxError(Exception):
    """The archive is not a readable workbook."""


def first_visible_worksheet(archive: zipfile.ZipFile) -> str | None:
    """The archive path of the workbook's first visible worksheet, or None."""
    targets = {}
    with archive.open("xl/_rels/workbook.xml.rels") as stream:
        for _event, element in iterparse(stream):
            if element.tag == PACKAGE_RELATIONSHIPS and element.get(
                "Type", ""
            ).endswith(WORKSHEET_TYPE):
                targets[element.get("Id")] = element.get("Target", "")
    with archive.open("xl/workbook.xml") as stream:
        for _event, element in iterparse(stream):
            if element.tag != MAIN + "sheet" or element.get("state", "visible") != (
                "visible"
            ):
                continue
            target = targets.get(element.get(RELATIONSHIPS + "id"))
            if target:
                return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


class XlsxStream:
    """The rows of one worksheet, each as ``(row number, cell texts)``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                sheet = first_visible_worksheet(archive)
                self.strings = (
                    _shared_strings(archive) if "xl/sharedStrings.xml" in names else []
                )
                self.date_styles, self.date1904 = _date_styles(archive, names)
        except READ_ERRORS as exc:
            raise XlsxError(str(exc)) from exc
        self.sheet = sheet
        # Column letters read so far, and their 0-based index.
        self._columns: dict[bytes, int] = {}

    def rows(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        if self.sheet is None:
            return
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.sheet) as xml:
                yield from self._scan(xml)
        except READ_ERRORS as exc:
            raise XlsxError(str(exc)) from exc

    def _scan(self, xml: IO[bytes]) -> Iterator[tuple[int, tuple[str, ...]]]:
        """The rows of the worksheet's XML, read a megabyte at a time.

        Each piece up to its last ``</row>`` is cut into rows and cells by regular
        expressions: the worksheet part of the format is regular enough, and a
        scan does not build an element per cell (twice as fast as ElementTree
        here). A document type declaration, which a worksheet never needs, is
        refused, so no entity is ever expanded; a worksheet without its closing
        tag is refused as cut short.
        """
        number = 0
        pending = tail = b""
        first = True
        while True:
            chunk = xml.read(CHUNK_BYTES)
            if first and DECLARATIONS.search(chunk):
                raise XlsxError("a worksheet with a document type declaration")
            first = False
            tail = (tail + chunk)[-TAIL_BYTES:]
            if not chunk and not WORKSHEET_END.search(tail):
                raise XlsxError("the worksheet stops before its end")
            pending += chunk
            end = pending.rfind(b"</row>") + len(b"</row>") if chunk else len(pending)
            if end < len(b"</row>"):
                continue
            piece, pending = pending[:end], pending[end:]
            for row in ROW_XML.finditer(piece):
                reference = NUMBER_ATTR.search(row.group(1))
                number = int(reference.group(1)) if reference else number + 1
                yield number, self._values(row.group(2) or b"")
            if not chunk:
                return

    def _values(self, row: bytes) -> tuple[str, ...]:
        values: list[str] = []
        columns = self._columns
        for attribute_text, body in CELL_XML.findall(row):
            attributes = dict(ATTRIBUTES.findall(attribute_text))
            reference = attributes.get(b"r")
            if reference is not None:
                column = columns.get(reference.rstrip(DIGITS))
                if column is None:
                    column = _column_index(reference.decode("ascii"))
                    columns[reference.rstrip(DIGITS)] = column
                if column > len(values):
                    values.extend([""] * (column - len(values)))
            values.append(self._text(attributes, body))
        return tuple(values)

    def _text(self, attributes: dict[bytes, bytes], body: bytes) -> str:
        kind = attributes.get(b"t", b"n")
        if kind == b"inlineStr":
            plain = _plain_text(body, INLINE_START, INLINE_END)
            if plain is not None:  # one run, nothing to unescape: most of them
                return plain
            runs = TEXT_XML.findall(PHONETIC_XML.sub(b"", body))
            return _xml_text(
                b"".join(
                    run if b"preserve" in tag else run.strip() for tag, run in runs
                )
            )
        plain = _plain_text(body, VALUE_START, VALUE_END)
        if plain is not None:
            value = plain
        else:
            value_match = VALUE_XML.search(body)
            if value_match is None:
                return ""
            value = _xml_text(value_match.group(1))
        if kind == b"s":
            return self.strings[int(value)].strip()
        if kind == b"b":
            return "TRUE" if value == "1" else "FALSE"
        if kind in (b"str", b"e"):
            return value
        style = attributes.get(b"s")
        return self._number(value, style.decode("ascii") if style else None)

    def _number(self, value: str, style: str | None) -> str:
        try:
            number = float(value)
        except ValueError:
            return value.strip()
        if style is not None and int(style) in self.date_styles:
            epoch = EPOCH_1904 if self.date1904 else EPOCH
            # To the nearest second: a time is stored as a fraction of a day.
            moment = epoch + datetime.timedelta(days=number, milliseconds=500)
            moment = moment.replace(microsecond=0)
            if moment.time() == datetime.time():
                return moment.date().isoformat()
            return moment.isoformat(sep=" ")
        if number.is_integer():
            return str(int(number))
        return repr(number)


def _plain_text(body: bytes, start: bytes, end: bytes) -> str | None:
    """The text of a body that is only ``start``, text and ``end``, with no markup
    or character reference in the text; else None, for the general reading."""
    if not (body.startswith(start) and body.endswith(end)):
        return None
    text = body[len(start) : len(body) - len(end)]
    if b"<" in text or b"&" in text:
        return None
    return text.decode("utf-8").strip()


def _xml_text(raw: bytes) -> str:
    """Text of the XML as written: UTF-8, its character references resolved."""
    text = raw.decode("utf-8")
    return html.unescape(text).strip() if "&" in text else text.strip()


def _column_index(reference: str) -> int:
    """The 0-based column of a cell reference such as ``AB12``."""
    letters = COLUMN.match(reference)
    index = 0
    for letter in letters.group() if letters else "":
        index = index * 26 + ord(letter) - 64
    return index - 1


def _string_text(element: Element) -> str:
    """The text of a string item: its runs joined, phonetic guides left out."""
    parts: list[str] = []
    for child in element.iter():
        if child.tag == PHONETIC:
            child.clear()
        elif child.tag == TEXT and child.text:
            # Spaces around a run count only where the writer says to keep them.
            preserved = child.get(XML_SPACE) == "preserve"
            parts.append(child.text if preserved else child.text.strip())
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as stream:
        for _event, element in iterparse(stream):
            if element.tag == MAIN + "si":
                strings.append(_string_text(element))
                element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile, names: set[str]) -> tuple[set[int], bool]:
    """The cell styles that show dates, and whether the workbook counts from 1904."""
    date1904 = False
    with archive.open("xl/workbook.xml") as stream:
        for _event, element in iterparse(stream):
            if element.tag == MAIN + "workbookPr":
                date1904 = element.get("date1904") in ("1", "true")
    if "xl/styles.xml" not in names:
        return set(), date1904
    custom: dict[int, str] = {}
    styles: set[int] = set()
    with archive.open("xl/styles.xml") as stream:
        in_cell_formats = False
        index = 0
        for event, element in iterparse(stream, events=("start", "end")):
            if element.tag == MAIN + "numFmt" and event == "end":
                custom[int(element.get("numFmtId", "0"))] = element.get(
                    "formatCode", ""
                )
            elif element.tag == MAIN + "cellXfs":
                in_cell_formats = event == "start"
            elif element.tag == MAIN + "xf" and in_cell_formats and event == "end":
                format_id = int(element.get("numFmtId", "0"))
                if format_id in DATE_FORMAT_IDS or _is_date_format(
                    custom.get(format_id, "")
                ):
                    styles.add(index)
                index += 1
    return styles, date1904


def _is_date_format(code: str) -> bool:
    return bool(code) and DATE_CODES.search(QUOTED.sub("", code)) is not None


__all__ = ["XlsxError", "XlsxStream"]
