"""The typeface of printed reports and cards: DejaVu Sans, which has every Cyrillic
letter of Russian and Kazakh (ә ғ қ ң ө ұ ү һ і) that PDF's built-in fonts lack.

The fonts ship with Kasipodaq (``static/kasipodaq/fonts``, with their licence), so
a fresh machine prints reports without installing anything; Debian's copy is the
fallback for an install whose static files were pruned.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
SHIPPED = Path(__file__).resolve().parents[1] / "static" / "kasipodaq" / "fonts"
FOLDERS = (SHIPPED, Path("/usr/share/fonts/truetype/dejavu"))


def font_file(name: str) -> Path:
    """The first copy of font `name` found in the shipped folder or the system's."""
    for folder in FOLDERS:
        path = folder / f"{name}.ttf"
        if path.is_file():
            return path
    raise ImproperlyConfigured(
        f"The font {name}.ttf is in none of {', '.join(map(str, FOLDERS))}: "
        "reinstall Kasipodaq with its static files."
    )


def register_fonts() -> tuple[str, str]:
    """The names of the regular and bold faces, registered with reportlab once."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name in (REGULAR, BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_file(name))))
    return REGULAR, BOLD
