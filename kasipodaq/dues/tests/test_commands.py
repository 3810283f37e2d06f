"""`kasipodaq accrue-dues`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kasipodaq.dues.models import Charge, SalaryBase
from kasipodaq.registry.tests.factories import Tree


def _run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("accrue_dues", *args, stdout=out)
    return out.getvalue()


def test_accrue_prints_the_months_charges_and_total(tree: Tree) -> None:
    paid = tree.admit(tree.primaries[0]).person
    SalaryBase.objects.create(
        person=paid, valid_from=dt.date(2025, 1, 1), amount_tiyn=123_456_00
    )
    tree.admit(tree.primaries[4])  # no salary known
    out = _run("--month", "2026-03")
    assert (
        "2026-03: charges 2, total 1,234.56 tenge (new 2, corrected 0, removed 0)."
        in out
    )
    assert "1 working member has no salary" in out
    assert "2026-03: charges 1," in _run(
        "--month", "2026-03", "--org", tree.regions[0].code
    )
    assert Charge.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "A month is written YYYY-MM"),
        (["--month", "March"], "A month is written YYYY-MM"),
        (["--month", "2999-01"], "a month to come"),
        (["--month", "2026-03", "--org", "NOPE"], "No organization has the code"),
    ],
)
def test_bad_arguments_are_refused(tree: Tree, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message), translation.override("en"):
        call_command("accrue_dues", *args, stdout=io.StringIO())
    assert not Charge.objects.exists()
