"""The card as a picture and as sheets to print: size, a QR code that scans back,
text that stays in its boxes, logos good and bad, colours, pages."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import re
import struct
import zlib

import pytest
import segno
import zxingcpp
from PIL import Image, ImageDraw

from kasipodaq.cards.images import (
    CARD_HEIGHT_MM,
    CARD_WIDTH_MM,
    FULL_NAME,
    HINT,
    ORG_NAME,
    Box,
    CardFace,
    CardLabels,
    CardLook,
    card_layout,
    fit_text,
    render_png,
    render_sheet_pdf,
)

BAND = (11, 79, 138)
URL = "https://union.kz/v/AQEKMjAyNmEAAAAE0gACJOgBCTM1LTAxLTAxNwXQkC4g0J0uxW3M" + (
    "q8Zp0uR2mVtN4LbC7bJmXq2yQ0Zk9pTfW1sJ8dP3aZ6Kc4rBx7Hs2LmQ"
)
LABELS = CardLabels(
    title="Членский билет",
    number="№",
    issued="Выдан",
    serial="Серия",
    scan_hint="Проверить: наведите камеру на код",
)
FACE = CardFace(
    full_name="Сейткали Айгерим Нурлановна",
    number="35-0001234-7",
    org_name="Первичная профсоюзная организация КГУ «Средняя школа № 17»",
    issued_on=dt.date(2026, 2, 1),
    serial=2,
    verify_url=URL,
    labels=LABELS,
)
LOOK = CardLook(
    union_name="Отраслевой профсоюз работников образования и науки",
    logo=None,
    background="#0B4F8A",
    foreground="#FFFFFF",
)
LONG_FACE = dataclasses.replace(
    FACE,
    full_name="Әбдіжаппарқызы-Нұрмұхамбетова Гүлбаршын Қуанышбекқызы Өтегенқызы "
    "Ұлықбекқызы Һәкімова Іңкәр",
    org_name="Первичная профсоюзная организация " * 12,
    labels=dataclasses.replace(
        LABELS, scan_hint="Тексеру: камераны кодқа бағыттаңыз " * 5
    ),
)


def image_of(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def png_bytes(image: Image.Image, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` × `height` pixels but holds almost none."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + chunk(b"IEND", b"")
    )


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def is_white(image: Image.Image, box: Box) -> bool:
    """Whether every pixel of `box` in `image` is pure white."""
    region = image.crop(box)
    return region.getextrema() == ((255, 255),) * 3


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


# The picture


@pytest.mark.parametrize(("scale", "size"), [(1, (506, 319)), (2, (1011, 638))])
def test_the_png_is_an_id1_card_at_150_dpi_per_scale(
    scale: int, size: tuple[int, int]
) -> None:
    """The card is 85.6 × 54 mm at 150 dpi per scale, and says so in its dpi."""
    png = render_png(FACE, LOOK, scale=scale)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == size
    assert image.width / image.height == pytest.approx(85.6 / 54, abs=0.005)
    assert image.info["dpi"] == pytest.approx((150 * scale, 150 * scale), abs=0.1)


@pytest.mark.parametrize("scale", [0, -1])
def test_a_scale_below_one_is_refused(scale: int) -> None:
    with pytest.raises(ValueError, match="scale"):
        render_png(FACE, LOOK, scale=scale)


@pytest.mark.parametrize("scale", [1, 2])
def test_the_qr_code_scans_back_to_the_verify_url(scale: int) -> None:
    """A ~130-character URL scans back exactly, even at 150 dpi."""
    assert len(URL) >= 125
    image = image_of(render_png(FACE, LOOK, scale=scale))
    [result] = zxingcpp.read_barcodes(image)
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    assert result.text == URL
    assert result.ec_level == "M"


def test_the_qr_code_is_black_on_white_with_a_quiet_zone() -> None:
    """The code is black on white in whole-pixel modules of half a millimetre or
    more, with four white modules all round it."""
    image = image_of(render_png(FACE, LOOK, scale=2))
    layout = card_layout(2)
    dark = image.crop(layout.qr).convert("L").point(lambda v: 255 if v < 128 else 0)
    found = dark.getbbox()
    assert found is not None
    left, top, right, bottom = (int(v) for v in found)
    x, y = layout.qr.left, layout.qr.top
    symbol = Box(x + left, y + top, x + right, y + bottom)
    modules = int(segno.make(URL, error="m").symbol_size(border=0)[0])
    assert symbol.width == symbol.height
    assert symbol.width % modules == 0
    module = symbol.width // modules
    assert module * 25.4 / 300 >= 0.5
    quiet = 4 * module
    assert symbol.top - quiet >= layout.band.bottom
    assert symbol.right + quiet <= layout.size[0]
    ring = Box(
        symbol.left - quiet,
        symbol.top - quiet,
        symbol.right + quiet,
        symbol.bottom + quiet,
    )
    for strip in (
        ring._replace(bottom=symbol.top),
        ring._replace(top=symbol.bottom),
        ring._replace(right=symbol.left),
        ring._replace(left=symbol.right),
    ):
        assert is_white(image, strip)
    colours = {colour for _, colour in image.crop(symbol).getcolors() or []}
    assert colours == {(0, 0, 0), (255, 255, 255)}


@pytest.mark.parametrize("scale", [1, 2])
def test_long_names_stay_in_their_boxes(scale: int) -> None:
    """A very long Kazakh name, organization and hint leave the gutter, the margins
    round the text and the QR code untouched."""
    image = image_of(render_png(LONG_FACE, LOOK, scale=scale))
    layout = card_layout(scale)
    assert decoded(image) == [URL]
    text, qr = layout.text, layout.qr
    body_top, body_bottom = layout.band.bottom, layout.stripe.top
    assert is_white(image, Box(text.right, body_top, qr.left, body_bottom))
    assert is_white(image, Box(0, body_top, text.left, body_bottom))
    assert is_white(image, Box(text.left, text.bottom, text.right, body_bottom))
    assert is_white(image, Box(text.left, body_top, text.right, text.top))
    assert is_white(image, Box(qr.right, body_top, layout.size[0], body_bottom))
    assert not is_white(image, text)


def test_fitted_text_keeps_to_its_box_and_ends_in_an_ellipsis() -> None:
    """Text too long for its box is shrunk to the floor, cut to the lines allowed,
    and its last line ends in "…"; every line fits the width."""
    box = Box(0, 0, 500, 200)
    block = fit_text(LONG_FACE.org_name, ORG_NAME, box, 2)
    assert len(block.lines) == ORG_NAME.max_lines
    assert block.lines[-1].endswith("…")
    assert block.font.size == round(ORG_NAME.min_size_mm * 300 / 25.4)
    for line in block.lines:
        assert block.font.getbbox(line, anchor="la")[2] <= box.width


def test_fitted_text_that_fits_keeps_its_size_and_every_word() -> None:
    """A name that fits stays whole at the largest size, split at a space, with
    lines of even length rather than one word left alone."""
    block = fit_text(FACE.full_name, FULL_NAME, Box(0, 0, 600, 300), 2)
    assert block.font.size == round(FULL_NAME.size_mm * 300 / 25.4)
    assert block.lines == ("Сейткали Айгерим", "Нурлановна")
    hint = fit_text(LABELS.scan_hint, HINT, card_layout(2).hint, 2)
    assert hint.font.size == round(HINT.size_mm * 300 / 25.4)
    assert hint.lines == ("Проверить: наведите", "камеру на код")


def test_a_word_wider_than_its_box_is_cut_between_letters() -> None:
    """A word with no space still fits: split across lines, never overflowing."""
    word = "Қ" * 80
    block = fit_text(word, FULL_NAME, Box(0, 0, 300, 300), 2)
    assert len(block.lines) == FULL_NAME.max_lines
    assert block.lines[-1].endswith("…")
    assert set("".join(block.lines).removesuffix("…")) == {"Қ"}
    for line in block.lines:
        assert block.font.getbbox(line, anchor="la")[2] <= 300


def test_hyphenated_names_break_after_the_hyphen() -> None:
    """A double-barrelled name wraps at its hyphen, not in the middle of a part."""
    name = "Әбдіжаппарқызы-Нұрмұхамбетова Гүлбаршын"
    block = fit_text(name, FULL_NAME, Box(0, 0, 520, 300), 2)
    assert block.lines[0] == "Әбдіжаппарқызы-"
    assert block.lines[1].startswith("Нұрмұхамбетова")


# Logos


def transparent_logo() -> Image.Image:
    """A red disc on a transparent square."""
    logo = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((40, 40, 360, 360), fill=(220, 30, 30, 255))
    return logo


def test_a_transparent_logo_shows_the_band_through_it() -> None:
    """The logo sits in its box over the band's colour, not over black or white."""
    look = dataclasses.replace(LOOK, logo=png_bytes(transparent_logo()))
    image = image_of(render_png(FACE, look, scale=2))
    logo = card_layout(2).logo
    centre = (logo.left + logo.height // 2, (logo.top + logo.bottom) // 2)
    assert image.getpixel(centre) == (220, 30, 30)
    assert image.getpixel((logo.left + 1, logo.top + 1)) == BAND
    assert decoded(image) == [URL]


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_wide_logo_fills_its_box_with_its_aspect_kept(kind: str) -> None:
    """A 4:1 logo, too wide to be as tall as the band allows, spans the box's width
    and is a quarter as tall, centred from top to bottom."""
    look = dataclasses.replace(
        LOOK, logo=png_bytes(Image.new("RGB", (800, 200), (250, 250, 0)), kind)
    )
    image = image_of(render_png(FACE, look, scale=2))
    logo = card_layout(2).logo
    yellow = (
        image.crop(logo)
        .convert("HSV")
        .getchannel("H")
        .point(lambda hue: 255 if 35 <= hue <= 50 else 0)
    )
    left, top, right, bottom = yellow.getbbox() or (0, 0, 0, 0)
    assert right - left == pytest.approx(logo.width, abs=2)
    assert bottom - top == pytest.approx(logo.width / 4, abs=3)
    assert top == pytest.approx((logo.height - logo.width / 4) / 2, abs=3)


def test_with_no_logo_the_union_name_takes_the_logos_place() -> None:
    """Without a logo the name starts at the margin, where the logo would be; with
    a square one it starts beside the logo, as wide as the box is tall."""
    layout = card_layout(2)
    with_logo = dataclasses.replace(LOOK, logo=png_bytes(transparent_logo()))

    def first_white_ink(look: CardLook) -> int:
        band = image_of(render_png(FACE, look)).crop(layout.band).convert("L")
        found = band.point(lambda v: 255 if v > 200 else 0).getbbox()
        assert found is not None
        return int(found[0])

    assert first_white_ink(LOOK) == pytest.approx(layout.logo.left, abs=6)
    beside = layout.logo.left + layout.logo.height + layout.logo_gap
    assert first_white_ink(with_logo) == pytest.approx(beside, abs=6)


@pytest.mark.parametrize(
    "logo",
    [
        b"not an image at all",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
        png_bytes(transparent_logo())[:300],
        png_header(100_000, 100_000),  # Pillow's decompression-bomb check
        png_header(7_000, 7_000),  # over our own limit, under Pillow's
    ],
    ids=["garbage", "bad-png", "truncated", "bomb", "too-large"],
)
def test_a_logo_that_cannot_be_read_is_left_out(logo: bytes) -> None:
    """Bytes that are not a safe image are skipped: the card is drawn as if the
    centre had uploaded no logo."""
    look = dataclasses.replace(LOOK, logo=logo)
    assert render_png(FACE, look) == render_png(FACE, LOOK)


def test_the_same_card_is_drawn_the_same_every_time() -> None:
    assert render_png(LONG_FACE, LOOK) == render_png(LONG_FACE, LOOK)


# Colours


BAD_COLOURS = ["0B4F8A", "#0B4F8", "#0B4F8A0", "#GGGGGG", "navy", "", "#0B4F8A\n"]


@pytest.mark.parametrize(
    "look",
    [dataclasses.replace(LOOK, background=colour) for colour in BAD_COLOURS]
    + [dataclasses.replace(LOOK, foreground=colour) for colour in BAD_COLOURS],
)
def test_a_colour_not_written_rrggbb_is_refused(look: CardLook) -> None:
    with pytest.raises(ValueError, match="#RRGGBB"):
        render_png(FACE, look)
    with pytest.raises(ValueError, match="#RRGGBB"):
        render_sheet_pdf([FACE], look)


def test_the_band_and_its_text_take_the_centres_colours() -> None:
    look = dataclasses.replace(LOOK, background="#F2E9A0", foreground="#5A1020")
    image = image_of(render_png(FACE, look))
    band = image.crop(card_layout(2).band)
    colours = {colour for _, colour in band.getcolors(maxcolors=100_000) or []}
    assert (0xF2, 0xE9, 0xA0) in colours
    assert (0x5A, 0x10, 0x20) in colours
    assert image.getpixel((5, image.height - 2)) == (0xF2, 0xE9, 0xA0)


# Sheets


def numbered(count: int) -> list[CardFace]:
    return [
        dataclasses.replace(FACE, number=f"35-{n:07d}-7", verify_url=f"{URL}{n}")
        for n in range(count)
    ]


def test_a_sheet_needs_a_card() -> None:
    with pytest.raises(ValueError, match="at least one card"):
        render_sheet_pdf([], LOOK)


@pytest.mark.parametrize(("cards", "pages"), [(1, 1), (10, 1), (11, 2), (21, 3)])
def test_a_sheet_holds_ten_cards_a_page(cards: int, pages: int) -> None:
    """Each card is drawn once, ten to an A4 page, with as many pages as needed."""
    pdf = render_sheet_pdf(numbered(cards), LOOK)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) == pages
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) == cards
    assert pdf.count(b"/MediaBox [ 0 0 595.2756 841.8898 ]") == pages


def page_streams(pdf: bytes) -> bytes:
    """The drawing operators of every page, unpacked."""
    found = re.finditer(
        rb"<<((?:[^>]|>(?!>))*)>>\s*stream\r?\n(.*?)endstream", pdf, re.S
    )
    return b"".join(
        zlib.decompress(base64.a85decode(stream.group(2).strip(), adobe=True))
        for stream in found
        if b"/Image" not in stream.group(1)
    )


def test_cards_on_a_sheet_are_printed_at_real_size_inside_the_margins() -> None:
    """Every card is placed 85.6 × 54 mm (242.65 × 153.07 pt) on the page, at
    least 10 mm from its edges."""
    streams = page_streams(render_sheet_pdf(numbered(12), LOOK))
    placed = re.findall(
        rb"([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm\s*/FormXob", streams
    )
    assert len(placed) == 12
    margin = 10 * 72 / 25.4
    for width, height, x, y in ((float(v) for v in row) for row in placed):
        assert width == pytest.approx(CARD_WIDTH_MM * 72 / 25.4, abs=0.01)
        assert height == pytest.approx(CARD_HEIGHT_MM * 72 / 25.4, abs=0.01)
        assert margin <= x and x + width <= 595.2756 - margin
        assert margin <= y and y + height <= 841.8898 - margin
    assert len({(x, y) for _, _, x, y in placed}) == 10  # ten places, the page over
