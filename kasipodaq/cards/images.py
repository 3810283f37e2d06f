"""The electronic membership card drawn as a picture, and sheets of them to print.

The card is the front of an ID-1 card (85.6 × 54 mm, the size of a bank card),
drawn at 150 dpi times ``scale`` (``scale=2``: 300 dpi, 1011 × 638 px)::

    ┌────────────────────────────────────────────────────┐
    │ [logo]  UNION NAME IN THE CENTRE'S TEXT COLOUR,    │  band: the centre's
    │         BOLD, WRAPPED TO TWO LINES, SHRUNK TO FIT  │  background colour
    ├────────────────────────────────────────────────────┤
    │ TITLE (in the band's colour)        ┌──────────┐   │
    │ Full Name, bold,                    │          │   │
    │ wrapped to two lines                │ QR code  │   │  body: white
    │ Primary organization, two lines     │          │   │
    │                                     │          │   │
    │ №              Issued    Serial     └──────────┘   │
    │ 35-0001234-7   01.02.2026  2        scan hint      │
    ├────────────────────────────────────────────────────┤  thin stripe in
    └────────────────────────────────────────────────────┘  the band's colour

Every piece of text has a box. It is wrapped to the box's width, shrunk down to a
floor size until its lines fit the box, and at the floor its last line is cut
with "…", so no name, however long, leaves its box. The QR code encodes
``verify_url`` at error level M, black on white with a four-module quiet zone,
each module a whole number of pixels (for a URL of ~130 characters, 3 px at
``scale=1``, about half a millimetre printed) so phones and scanners read it.

The logo is as tall as the band allows (10 mm) and up to 24 mm wide, its aspect
kept and its transparency showing the band; the union's name starts beside it. A
logo that is not an image, or is too large to decode safely, is left out and the
name takes its place. The title is in the band's colour unless that is too pale
to read on white.

A sheet is A4 portrait with ten cards at real size (2 × 5, abutting so that one
cut separates two cards), thin grey borders along the cut lines and marks in the
margins, as many pages as the cards need. Each card on it is the same picture as
``render_png(scale=2)``, so the screen and the paper show one layout.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import segno
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from kasipodaq.core.fonts import font_file

CARD_WIDTH_MM = 85.6
CARD_HEIGHT_MM = 54.0
DPI_PER_SCALE = 150
SHEET_SCALE = 2
SHEET_COLUMNS, SHEET_ROWS = 2, 5
CARDS_PER_SHEET = SHEET_COLUMNS * SHEET_ROWS
# A logo larger than this (in pixels) is not decoded: no emblem needs more.
LOGO_MAX_PIXELS = 6000 * 6000
QR_ERROR = "m"
QR_QUIET_MODULES = 4
# The fields' rows (mm): a caption's and a value's height, the gap between
# columns, and each column's share of the text's width.
CAPTION_ROW_MM, VALUE_ROW_MM, FIELD_GAP_MM = 2.3, 3.6, 2.0
FIELD_SHARES = (0.47, 0.33, 0.20)

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
ELLIPSIS = "…"
RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)
INK: RGB = (26, 32, 44)  # the body's text: near-black
MUTED: RGB = (100, 110, 125)  # captions
CUT_GREY = 0.6  # reportlab grey level of the sheet's cut lines
COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
HYPHENATED = re.compile(r"[^-]*-+|[^-]+")


@dataclass(frozen=True)
class CardLabels:
    """The captions of a card, translated by the caller."""

    title: str
    number: str
    issued: str
    serial: str
    scan_hint: str


@dataclass(frozen=True)
class CardLook:
    """How the union's centre dresses its cards."""

    union_name: str
    logo: bytes | None
    background: str
    foreground: str


@dataclass(frozen=True)
class CardFace:
    """What one member's card shows."""

    full_name: str
    number: str
    org_name: str
    issued_on: dt.date
    serial: int
    verify_url: str
    labels: CardLabels


class Box(NamedTuple):
    """A rectangle in pixels; right and bottom are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class CardLayout:
    """Where each part of the card goes at one scale, in pixels."""

    scale: int
    size: tuple[int, int]
    band: Box
    logo: Box
    union_name: Box
    logo_gap: int
    text: Box
    qr: Box
    hint: Box
    stripe: Box

    def px(self, millimetres: float) -> int:
        """`millimetres` on the card in pixels at this layout's scale."""
        return mm_to_px(millimetres, self.scale)


@dataclass(frozen=True)
class TextStyle:
    """A font and the range of sizes (in mm of the em) text may take in a box."""

    face: str
    size_mm: float
    min_size_mm: float
    max_lines: int


@dataclass(frozen=True)
class TextBlock:
    """Text fitted to a box: the font chosen and the lines to draw."""

    font: ImageFont.FreeTypeFont
    lines: tuple[str, ...]
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


UNION_NAME = TextStyle(BOLD, size_mm=3.0, min_size_mm=1.9, max_lines=2)
TITLE = TextStyle(BOLD, size_mm=2.1, min_size_mm=1.6, max_lines=1)
FULL_NAME = TextStyle(BOLD, size_mm=3.6, min_size_mm=2.5, max_lines=2)
ORG_NAME = TextStyle(REGULAR, size_mm=2.3, min_size_mm=1.8, max_lines=2)
CAPTION = TextStyle(REGULAR, size_mm=1.7, min_size_mm=1.4, max_lines=1)
NUMBER = TextStyle(BOLD, size_mm=2.9, min_size_mm=2.0, max_lines=1)
FIELD = TextStyle(BOLD, size_mm=2.3, min_size_mm=1.8, max_lines=1)
HINT = TextStyle(REGULAR, size_mm=1.6, min_size_mm=1.3, max_lines=2)


def render_png(face: CardFace, look: CardLook, *, scale: int = 2) -> bytes:
    """The front of `face`'s card as PNG bytes, 150 × `scale` dpi."""
    image = _render(face, _blank_card(look, card_layout(scale)))
    out = io.BytesIO()
    dpi = DPI_PER_SCALE * scale
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def render_sheet_pdf(faces: Sequence[CardFace], look: CardLook) -> bytes:
    """A4 pages with `faces` at real size, ten to a page, marked for cutting."""
    if not faces:
        raise ValueError("A sheet needs at least one card.")
    blank = _blank_card(look, card_layout(SHEET_SCALE))
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, invariant=True)
    pdf.setTitle(faces[0].labels.title)
    pdf.setAuthor(look.union_name)
    for start in range(0, len(faces), CARDS_PER_SHEET):
        page = faces[start : start + CARDS_PER_SHEET]
        for (x, y), face in zip(_sheet_slots(), page, strict=False):
            image = ImageReader(_render(face, blank))
            pdf.drawImage(image, x, y, CARD_WIDTH_MM * mm, CARD_HEIGHT_MM * mm)
        _draw_cut_marks(pdf, cards=len(page))
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# Geometry


def mm_to_px(millimetres: float, scale: int) -> int:
    """`millimetres` in whole pixels at 150 × `scale` dpi."""
    return round(millimetres * DPI_PER_SCALE * scale / 25.4)


def card_layout(scale: int) -> CardLayout:
    """The card's boxes at `scale` (1 or more)."""
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"The scale must be a whole number from 1, not {scale!r}.")

    def box(left: float, top: float, right: float, bottom: float) -> Box:
        return Box(*(mm_to_px(v, scale) for v in (left, top, right, bottom)))

    w, h, margin, band = CARD_WIDTH_MM, CARD_HEIGHT_MM, 4.0, 14.0
    qr_side, qr_top = 29.0, band + 0.8
    qr_left = w - margin - qr_side + 1.0  # its quiet zone may reach into the margin
    return CardLayout(
        scale=scale,
        size=(mm_to_px(w, scale), mm_to_px(h, scale)),
        band=box(0, 0, w, band),
        logo=box(margin, 2.0, margin + 24.0, band - 2.0),
        union_name=box(margin, 1.2, w - margin, band - 1.2),
        logo_gap=mm_to_px(2.5, scale),
        text=box(margin, band + 3.0, qr_left - 1.5, h - 3.6),
        qr=box(qr_left, qr_top, qr_left + qr_side, qr_top + qr_side),
        hint=box(qr_left, qr_top + qr_side, qr_left + qr_side, h - 2.0),
        stripe=box(0, h - 1.4, w, h),
    )


# Colours


def parse_colour(value: str) -> RGB:
    """The red, green and blue (0–255) of `value` written #RRGGBB; anything else
    is a ValueError."""
    if not isinstance(value, str) or not COLOUR.fullmatch(value):
        raise ValueError(f"A colour must be written #RRGGBB, not {value!r}.")
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def _luminance(colour: RGB) -> float:
    """The relative luminance of `colour` as WCAG defines it."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _accent(background: RGB) -> RGB:
    """The band's colour for the title on white, or ink if it is too pale to read."""
    contrast = 1.05 / (_luminance(background) + 0.05)
    return background if contrast >= 3.0 else INK


# Text


@lru_cache(maxsize=128)
def _font(face: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_file(face)), size)


@lru_cache(maxsize=4096)
def _overhang(font: ImageFont.FreeTypeFont, text: str) -> int:
    """How far the ink of `text` reaches left of where it is drawn (a glyph's
    negative bearing), so that it can be drawn that much to the right."""
    return max(0, -int(font.getbbox(text, anchor="la")[0])) if text else 0


@lru_cache(maxsize=4096)
def _text_width(font: ImageFont.FreeTypeFont, text: str) -> int:
    """The width of `text`'s ink drawn `_overhang` to the right: from where it
    starts to its rightmost pixel."""
    if not text:
        return 0
    return int(font.getbbox(text, anchor="la")[2]) + _overhang(font, text)


def _split_long_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """`word` cut into pieces that each fit `width`; a piece has one letter at least."""
    pieces, piece = [], ""
    for letter in word:
        if piece and _text_width(font, piece + letter) > width:
            pieces.append(piece)
            piece = ""
        piece += letter
    return [*pieces, piece]


def _pieces(text: str) -> Iterator[tuple[str, str]]:
    """`text`'s words, hyphenated ones cut after each hyphen, with the space ("" or
    " ") that joins each to the one before."""
    for index, word in enumerate(text.split()):
        for part_index, part in enumerate(HYPHENATED.findall(word)):
            yield (" " if index and not part_index else ""), part


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """`text` broken greedily at spaces and hyphens into lines of at most `width`
    pixels; a word too long for a line of its own is cut between letters."""
    lines: list[str] = []
    line = ""
    for glue, piece in _pieces(text):
        candidate = f"{line}{glue}{piece}" if line else piece
        if _text_width(font, candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        *whole, line = _split_long_word(piece, font, width)
        lines.extend(whole)
    if line:
        lines.append(line)
    return lines


def _balanced_wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """`text` in as few lines as `_wrap` gives at `width`, but of even lengths: the
    narrowest width that needs no more lines, so no word is left alone below."""
    lines = _wrap(text, font, width)
    if len(lines) < 2:
        return lines
    narrow, wide = 1, width
    while narrow < wide:
        middle = (narrow + wide) // 2
        if len(_wrap(text, font, middle)) <= len(lines):
            wide = middle
        else:
            narrow = middle + 1
    return _wrap(text, font, wide)


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """`line` shortened until it and a closing "…" fit `width`."""
    kept = line.rstrip()
    while kept and _text_width(font, kept + ELLIPSIS) > width:
        kept = kept[:-1].rstrip()
    return kept + ELLIPSIS


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return round((ascent + descent) * 1.04)


def fit_text(text: str, style: TextStyle, box: Box, scale: int) -> TextBlock:
    """`text` in the largest size of `style` whose lines fit `box`, or at its
    smallest size with the lines that fit and the last one ending in "…"."""
    text = " ".join(text.split())
    largest, smallest = (
        mm_to_px(style.size_mm, scale),
        mm_to_px(style.min_size_mm, scale),
    )
    for size in range(largest, smallest - 1, -1):
        font = _font(style.face, size)
        line_height = _line_height(font)
        room = max(1, min(style.max_lines, box.height // line_height))
        lines = _wrap(text, font, box.width)
        if len(lines) <= room:
            lines = _balanced_wrap(text, font, box.width)
            return TextBlock(font, tuple(lines), line_height)
    kept = lines[:room]
    kept[-1] = _ellipsize(kept[-1], font, box.width)
    return TextBlock(font, tuple(kept), line_height)


def _draw_block(
    draw: ImageDraw.ImageDraw,
    block: TextBlock,
    *,
    left: int,
    top: int,
    fill: RGB,
    width: int | None = None,
) -> int:
    """Draw `block` from (`left`, `top`), centred in `width` if given; return the
    y just below it."""
    for index, line in enumerate(block.lines):
        x = left + _overhang(block.font, line)
        if width is not None:
            x += (width - _text_width(block.font, line)) // 2
        y = top + index * block.line_height
        draw.text((x, y), line, font=block.font, fill=fill, anchor="la")
    return top + block.height


# The card


@dataclass(frozen=True)
class _Blank:
    """A card with its band drawn: what every card of one look shares."""

    image: Image.Image
    layout: CardLayout
    accent: RGB


def _blank_card(look: CardLook, layout: CardLayout) -> _Blank:
    background = parse_colour(look.background)
    foreground = parse_colour(look.foreground)
    image = Image.new("RGB", layout.size, WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle(_inclusive(layout.band), fill=background)
    draw.rectangle(_inclusive(layout.stripe), fill=background)
    name_box = layout.union_name
    logo = _load_logo(look.logo, layout.logo)
    if logo:
        _paste_beside(image, logo, layout.logo)
        name_box = name_box._replace(
            left=layout.logo.left + logo.width + layout.logo_gap
        )
    block = fit_text(look.union_name, UNION_NAME, name_box, layout.scale)
    top = name_box.top + (name_box.height - block.height) // 2
    _draw_block(draw, block, left=name_box.left, top=top, fill=foreground)
    return _Blank(image, layout, _accent(background))


def _inclusive(box: Box) -> tuple[int, int, int, int]:
    """`box` as PIL's rectangle wants it, its last row and column included."""
    return (box.left, box.top, box.right - 1, box.bottom - 1)


# What Pillow raises on bytes that are not an image it can decode, or too big to.
LOGO_FAULTS = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
)


def _load_logo(data: bytes | None, box: Box) -> Image.Image | None:
    """The logo scaled to fit `box` with its aspect kept, RGBA: as tall as the box
    unless it is wider than the box allows. None if there is none or it cannot be
    read safely."""
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > LOGO_MAX_PIXELS:
                return None
            logo = ImageOps.exif_transpose(source).convert("RGBA")
    except LOGO_FAULTS:
        return None
    ratio = min(box.width / logo.width, box.height / logo.height)
    size = (max(1, round(logo.width * ratio)), max(1, round(logo.height * ratio)))
    return logo.resize(size, Image.Resampling.LANCZOS)


def _paste_beside(image: Image.Image, logo: Image.Image, box: Box) -> None:
    """Lay `logo` over `image` at the left of `box`, centred from top to bottom,
    through its transparency."""
    y = box.top + (box.height - logo.height) // 2
    image.paste(logo, (box.left, y), logo)


def _qr_image(url: str, box: Box) -> Image.Image:
    """`url` as a QR code with its quiet zone, in whole-pixel modules, within `box`."""
    code = segno.make(url, error=QR_ERROR, micro=False, boost_error=False)
    modules = code.symbol_size(border=QR_QUIET_MODULES)[0]
    module = max(1, min(box.width, box.height) // modules)
    out = io.BytesIO()
    code.save(
        out,
        kind="png",
        scale=module,
        border=QR_QUIET_MODULES,
        dark="#000",
        light="#fff",
    )
    out.seek(0)
    with Image.open(out) as qr:
        return qr.convert("RGB")


def _render(face: CardFace, blank: _Blank) -> Image.Image:
    """`face`'s card on a copy of `blank`."""
    image = blank.image.copy()
    layout = blank.layout
    draw = ImageDraw.Draw(image)
    _draw_qr(image, draw, face, layout)
    _draw_fields(draw, face, layout)
    _draw_identity(draw, face, layout, accent=blank.accent)
    return image


def _draw_qr(
    image: Image.Image, draw: ImageDraw.ImageDraw, face: CardFace, layout: CardLayout
) -> None:
    """The QR code at the top of its box and the scan hint centred under it."""
    qr = _qr_image(face.verify_url, layout.qr)
    left = layout.qr.left + (layout.qr.width - qr.width) // 2
    image.paste(qr, (left, layout.qr.top))
    hint_box = layout.hint._replace(top=layout.qr.top + qr.height)
    block = fit_text(face.labels.scan_hint, HINT, hint_box, layout.scale)
    _draw_block(
        draw,
        block,
        left=hint_box.left,
        top=hint_box.top,
        fill=MUTED,
        width=hint_box.width,
    )


def _field_columns(layout: CardLayout) -> Iterator[Box]:
    """The number's, the issue date's and the serial's columns along the bottom of
    the text box, each a caption's row over a value's."""
    text, gap = layout.text, layout.px(FIELD_GAP_MM)
    top = text.bottom - layout.px(CAPTION_ROW_MM + VALUE_ROW_MM)
    left = text.left
    for share in FIELD_SHARES:
        right = min(text.right, left + round(text.width * share))
        yield Box(left, top, right - gap if right < text.right else right, text.bottom)
        left = right


def _draw_fields(draw: ImageDraw.ImageDraw, face: CardFace, layout: CardLayout) -> None:
    """Number, issue date and serial: captions on one line, values on one
    baseline under them."""
    fields = (
        (face.labels.number, face.number, NUMBER),
        (face.labels.issued, face.issued_on.strftime("%d.%m.%Y"), FIELD),
        (face.labels.serial, str(face.serial), FIELD),
    )
    columns = _field_columns(layout)
    for column, (caption, value, style) in zip(columns, fields, strict=True):
        caption_box = column._replace(bottom=column.top + layout.px(CAPTION_ROW_MM))
        block = fit_text(caption, CAPTION, caption_box, layout.scale)
        _draw_block(draw, block, left=column.left, top=column.top, fill=MUTED)
        value_box = column._replace(top=caption_box.bottom)
        block = fit_text(value, style, value_box, layout.scale)
        baseline = value_box.bottom - block.font.getmetrics()[1]
        _draw_baseline(draw, block, left=column.left, baseline=baseline)


def _draw_baseline(
    draw: ImageDraw.ImageDraw, block: TextBlock, *, left: int, baseline: int
) -> None:
    """The one line of `block` in ink standing on `baseline`."""
    if block.lines:
        line = block.lines[0]
        x = left + _overhang(block.font, line)
        draw.text((x, baseline), line, font=block.font, fill=INK, anchor="ls")


def _draw_identity(
    draw: ImageDraw.ImageDraw, face: CardFace, layout: CardLayout, *, accent: RGB
) -> None:
    """Title, full name and organization, from the top of the text box down to
    the fields, each shrunk or cut to the room that is left."""
    text = layout.text
    fields_top = next(_field_columns(layout)).top - layout.px(FIELD_GAP_MM)
    y = text.top
    for content, style, fill, gap in (
        (face.labels.title.upper(), TITLE, accent, 1.4),
        (face.full_name, FULL_NAME, INK, 1.0),
        (face.org_name, ORG_NAME, INK, 0.0),
    ):
        box = text._replace(top=y, bottom=fields_top)
        if box.height <= 0:
            return
        block = fit_text(content, style, box, layout.scale)
        if block.height > box.height:
            return
        y = _draw_block(draw, block, left=text.left, top=y, fill=fill) + layout.px(gap)


# The sheet


def _sheet_origin() -> tuple[float, float]:
    """The lower left corner of the grid of cards, centred on the page (points)."""
    page_width, page_height = A4
    grid_width = SHEET_COLUMNS * CARD_WIDTH_MM * mm
    grid_height = SHEET_ROWS * CARD_HEIGHT_MM * mm
    return (page_width - grid_width) / 2, (page_height - grid_height) / 2


def _sheet_slots() -> Iterator[tuple[float, float]]:
    """The lower left corner of each card on a page, row by row from the top."""
    left, bottom = _sheet_origin()
    for row in range(SHEET_ROWS):
        for column in range(SHEET_COLUMNS):
            x = left + column * CARD_WIDTH_MM * mm
            y = bottom + (SHEET_ROWS - 1 - row) * CARD_HEIGHT_MM * mm
            yield x, y


def _draw_cut_marks(pdf: Canvas, *, cards: int) -> None:
    """A thin grey border round each of the page's first `cards` cards, and marks
    in the margins where each cut runs, clear of the cards."""
    slots = list(_sheet_slots())[:cards]
    width, height = CARD_WIDTH_MM * mm, CARD_HEIGHT_MM * mm
    left, _ = _sheet_origin()
    right = left + SHEET_COLUMNS * width
    top = max(y for _, y in slots) + height
    bottom = min(y for _, y in slots)
    gap, reach = 2 * mm, 5 * mm
    pdf.saveState()
    pdf.setStrokeGray(CUT_GREY)
    pdf.setLineWidth(0.3)
    for x, y in slots:
        pdf.rect(x, y, width, height, stroke=1, fill=0)
    for y in sorted({y for _, y in slots} | {top}):
        pdf.line(left - gap - reach, y, left - gap, y)
        pdf.line(right + gap, y, right + gap + reach, y)
    for x in sorted({x for x, _ in slots} | {max(x for x, _ in slots) + width}):
        pdf.line(x, top + gap, x, top + gap + reach)
        pdf.line(x, bottom - gap, x, bottom - gap - reach)
    pdf.restoreState()
