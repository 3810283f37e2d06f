"""Compiling the message catalogs without GNU gettext, as a bare machine has none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polib


def catalogs(locale_dir: Path) -> Iterator[Path]:
    yield from sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def compile_catalog(po_path: Path) -> Path:
    """Write the .mo beside a .po file; fuzzy entries are left out, as msgfmt does."""
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def untranslated(po_path: Path) -> list[str]:
    """The msgids of a catalog that have no usable translation."""
    catalog = polib.pofile(str(po_path))
    return [
        entry.msgid
        for entry in catalog
        if not entry.obsolete and (not entry.translated() or entry.fuzzy)
    ]
