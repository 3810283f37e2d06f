"""Reading an import file as a stream of rows of text, whatever its format.

The format is recognised from the file's first bytes, not its name: XLSX and ODS are
zip archives, XLS is an OLE2 compound file, anything else that is text is CSV. CSV is
UTF-8 (with or without a byte-order mark) or Windows-1251, separated by commas,
semicolons or tabs; it is read line by line, so memory stays constant. Spreadsheets
are read with python-calamine from their first visible worksheet, row by row; a
large XLSX is parsed as a stream instead (``xlsx_stream``), as calamine would hold
all of it in memory.

Every cell comes out as a stripped string: spreadsheet dates as ``YYYY-MM-DD``, whole
numbers without ``.0`` (an IIN typed as a number keeps its 12 digits, but a leading
zero Excel dropped is not restored here), formulas as their last computed value.
Fully empty rows are skipped while row numbers stay those of the file. In CSV, the
apostrophe an export puts before a text starting like a formula is taken off.
Hidden rows are read like any other. A merged range yields its value in its first
cell only; the other cells of the range are empty.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import io
import tempfile
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import python_calamine
from django.utils.translation import gettext_lazy as _

from kasipodaq.registry.imports.errors import ImportFileError
from kasipodaq.registry.imports.xlsx_stream import XlsxError, XlsxStream

SAMPLE_SIZE = 1 << 17
HEADER_SAMPLE_SIZE = 1 << 14
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
DELIMITERS = (",", ";", "\t")
# What a spreadsheet reads as the start of a formula: an export puts an apostrophe
# before it in CSV, and the import takes it off.
FORMULA_STARTS = frozenset("=+-@\t\r")
# A compressed XLSX above this size is read as a stream, not whole by calamine:
# about 200,000 rows of a member file, which calamine holds in some 200 MB.
STREAM_XLSX_ABOVE = 10 << 20

CellValue = (
    int
    | float
    | str
    | bool
    | datetime.time
    | datetime.date
    | datetime.datetime
    | datetime.timedelta
)


NumberedRows = Generator[tuple[int, tuple[str, ...]], None, None]


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its 1-based row number in the file and its cells as text."""

    number: int
    values: tuple[str, ...]

    def value(self, index: int) -> str:
        """The cell in column ``index``, or an empty string past the row's end."""
        return self.values[index] if index < len(self.values) else ""


class Table(ABC):
    """A readable import file: its header row and an iterator over its data rows.

    Each call of ``rows()`` reads the data afresh from the first data row.
    """

    def __init__(self, path: Path, format: str) -> None:
        self.path = path
        self.format = format
        self.headers: list[str] = []
        self.header_row_number = 0

    def rows(self) -> Iterator[Row]:
        """The data rows after the header row, skipping fully empty ones."""
        for number, values in self._numbered_rows():
            if number > self.header_row_number and any(values):
                yield Row(number, values)

    @abstractmethod
    def _numbered_rows(self) -> NumberedRows:
        """Every row of the file with its 1-based number, empty ones included."""

    def _read_header(self) -> None:
        """Find the header row and make sure at least one data row follows it."""
        rows = self._numbered_rows()
        try:
            for number, values in rows:
                if any(values):
                    self.header_row_number = number
                    self.headers = list(_trim_trailing(values))
                    break
            else:
                raise ImportFileError(
                    _("The file is empty: it has no header row."), code="empty_file"
                )
            if not any(any(values) for _number, values in rows):
                raise ImportFileError(
                    _("The file has a header row but no data rows."), code="no_rows"
                )
        finally:
            rows.close()


class CsvTable(Table):
    """A CSV file, decoded and split line by line."""

    def __init__(self, path: Path, *, encoding: str, delimiter: str) -> None:
        super().__init__(path, "csv")
        self.encoding = encoding
        self.delimiter = delimiter

    def _numbered_rows(self) -> NumberedRows:
        number = 0
        strip = str.strip
        try:
            with self.path.open("rb") as stream:
                # Decoded in blocks by the C text layer, not line by line.
                text = io.TextIOWrapper(stream, encoding=self.encoding, newline="")
                for number, record in enumerate(
                    csv.reader(text, delimiter=self.delimiter), start=1
                ):
                    values = tuple(map(strip, record))
                    if "'" in "".join(values):
                        values = tuple(map(_unneutralised, values))
                    yield number, values
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _(
                    "Row %(row)s is not valid %(encoding)s text: save the whole file "
                    "in UTF-8 or Windows-1251."
                )
                % {
                    "row": self._undecodable_row(),
                    "encoding": _encoding_name(self.encoding),
                },
                code="encoding",
            ) from exc
        except csv.Error as exc:
            raise ImportFileError(
                _("Row %(row)s of the file is damaged and cannot be read.")
                % {"row": number + 1},
                code="damaged",
            ) from exc
        except OSError as exc:
            raise _unreadable() from exc

    def _undecodable_row(self) -> int:
        """The number of the first row that does not decode, read again line by
        line: the text layer decodes ahead of the rows it has handed out."""
        read = 0
        with self.path.open("rb") as stream:
            lines = (line.decode(self.encoding) for line in stream)
            try:
                for _record in csv.reader(lines, delimiter=self.delimiter):
                    read += 1
            except UnicodeDecodeError:
                return read + 1
        return read


class SheetTable(Table):
    """The first visible worksheet of an XLSX, XLS or ODS workbook."""

    def __init__(self, path: Path, format: str, sheet: python_calamine.CalamineSheet):
        super().__init__(path, format)
        self._sheet = sheet

    def _numbered_rows(self) -> NumberedRows:
        # calamine starts at the sheet's first row or at its first used row depending
        # on the format: anchor the numbering on the first non-empty row instead.
        start = self._sheet.start
        offset: int | None = None
        for index, cells in enumerate(self._sheet.iter_rows()):
            values = tuple(_cell_text(cell) for cell in cells)
            if offset is None:
                if not any(values):
                    continue
                offset = (start[0] if start else 0) - index
            yield index + offset + 1, values


class StreamedSheetTable(Table):
    """The first visible worksheet of a large XLSX workbook, read as it is parsed."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "xlsx")
        try:
            self._stream = XlsxStream(path)
        except XlsxError as exc:
            raise _damaged() from exc
        if self._stream.sheet is None:
            raise ImportFileError(
                _("The file is empty: it has no header row."), code="empty_file"
            )

    def _numbered_rows(self) -> NumberedRows:
        try:
            yield from self._stream.rows()
        except XlsxError as exc:
            raise _damaged() from exc


def open_table(path: str | Path) -> Table:
    """Open an import file, recognising its format by content.

    Raises ImportFileError when the file is empty, damaged, of an unknown format or
    encoding, or has a header row but no data.
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            sample = stream.read(SAMPLE_SIZE)
    except OSError as exc:
        raise _unreadable() from exc
    if not sample.strip():
        raise ImportFileError(
            _("The file is empty: it has no header row."), code="empty_file"
        )
    table: Table
    if sample.startswith(ZIP_MAGIC):
        format = _zip_format(path)
        if format == "xlsx" and path.stat().st_size > STREAM_XLSX_ABOVE:
            table = StreamedSheetTable(path)
        else:
            table = _open_workbook(path, format)
    elif sample.startswith(OLE2_MAGIC):
        table = _open_workbook(path, "xls")
    else:
        encoding = _detect_encoding(sample)
        table = CsvTable(
            path,
            encoding=encoding,
            delimiter=_detect_delimiter(
                sample[:HEADER_SAMPLE_SIZE].decode(encoding, errors="ignore")
            ),
        )
    table._read_header()
    return table


def _zip_format(path: Path) -> str:
    """Tell an OpenDocument spreadsheet from an Office Open XML workbook."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", errors="replace")
                if mimetype.strip() == "application/vnd.oasis.opendocument.spreadsheet":
                    return "ods"
                raise _unknown_format()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _damaged() from exc
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    raise _unknown_format()


def _open_workbook(path: Path, format: str) -> SheetTable:
    try:
        if path.suffix.lower() == f".{format}":
            return _load_first_sheet(path, format)
        # calamine picks its parser by file name: give it one that tells the truth.
        with tempfile.TemporaryDirectory() as directory:
            alias = Path(directory) / f"workbook.{format}"
            alias.symlink_to(path.resolve())
            return _load_first_sheet(alias, format, path)
    except python_calamine.PasswordError as exc:
        raise ImportFileError(
            _("The file is protected by a password: remove it and upload again."),
            code="password",
        ) from exc
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise _damaged() from exc


def _load_first_sheet(
    source: Path, format: str, path: Path | None = None
) -> SheetTable:
    """The first visible worksheet, loaded whole by calamine (its data is in Rust)."""
    workbook = python_calamine.CalamineWorkbook.from_path(source)
    visible = [
        sheet.name
        for sheet in workbook.sheets_metadata
        if sheet.visible == python_calamine.SheetVisibleEnum.Visible
        and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]
    if not visible:
        raise ImportFileError(
            _("The file is empty: it has no header row."), code="empty_file"
        )
    sheet = workbook.get_sheet_by_name(visible[0])
    return SheetTable(path or source, format, sheet)


def _detect_encoding(sample: bytes) -> str:
    """UTF-8 when the sample decodes strictly as UTF-8, else Windows-1251."""
    if sample.startswith(UTF16_BOMS):
        raise _unknown_encoding()
    if b"\x00" in sample:
        raise _unknown_format()
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    with contextlib.suppress(UnicodeDecodeError):
        # Not final: the sample may end in the middle of a character.
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
        return "utf-8"
    try:
        sample.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise _unknown_encoding() from exc
    return "cp1251"


def _detect_delimiter(text: str) -> str:
    """The separator that occurs most often, outside quotes, in the first line."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text.lstrip("\r\n"):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _cell_text(cell: CellValue) -> str:
    """A spreadsheet cell as import text."""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if cell.is_integer():
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, datetime.datetime):
        if cell.time() == datetime.time():
            return cell.date().isoformat()
        return cell.isoformat(sep=" ")
    if isinstance(cell, datetime.date | datetime.time):
        return cell.isoformat()
    return str(cell)


def _unneutralised(cell: str) -> str:
    """A cell without the apostrophe an export puts before «=», «+», «-» or «@»
    so that a spreadsheet does not take the text for a formula."""
    if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _trim_trailing(values: tuple[str, ...]) -> tuple[str, ...]:
    end = len(values)
    while end and not values[end - 1]:
        end -= 1
    return values[:end]


def _encoding_name(encoding: str) -> str:
    return "Windows-1251" if encoding == "cp1251" else "UTF-8"


def _unreadable() -> ImportFileError:
    return ImportFileError(_("The file cannot be opened."), code="unreadable")


def _damaged() -> ImportFileError:
    return ImportFileError(
        _("The file is damaged or incomplete and cannot be read."), code="damaged"
    )


def _unknown_format() -> ImportFileError:
    return ImportFileError(
        _("The file's format is not recognised: upload an XLSX, XLS, ODS or CSV file."),
        code="unknown_format",
    )


def _unknown_encoding() -> ImportFileError:
    return ImportFileError(
        _(
            "The file's text encoding is not supported: "
            "save it as UTF-8 or Windows-1251."
        ),
        code="encoding",
    )
