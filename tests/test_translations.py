"""Russian, Kazakh and English are complete, and the catalogs match the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from kasipodaq.core.translations import untranslated

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "kasipodaq" / "locale"
LANGUAGES = ("ru", "kk", "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    """No message of the interface is left untranslated or fuzzy."""
    po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert po_path.exists()
    missing = untranslated(po_path)
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"
    assert len(polib.pofile(str(po_path))) > 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language: str) -> None:
    """A translation keeps every named placeholder of its message."""
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for entry in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po")):
        if entry.obsolete or not entry.msgstr:
            continue
        expected = sorted(placeholder.findall(entry.msgid))
        assert sorted(placeholder.findall(entry.msgstr)) == expected, entry.msgid


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext not installed")
def test_catalogs_list_every_message_of_the_code(tmp_path: Path) -> None:
    """makemessages finds nothing that the committed catalogs lack."""
    copy = tmp_path / "kasipodaq"
    shutil.copytree(ROOT / "kasipodaq", copy, ignore=shutil.ignore_patterns("*.mo"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ru", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        # Without settings makemessages writes only into the copy's own locale/.
        env={"PATH": "/usr/bin:/bin"},
    )
    fresh = {
        e.msgid for e in polib.pofile(str(copy / "locale/ru/LC_MESSAGES/django.po"))
    }
    committed = {
        e.msgid for e in polib.pofile(str(LOCALE / "ru/LC_MESSAGES/django.po"))
    }
    assert fresh - committed == set()
