"""A district accountant records an employer's payroll list and sees arrears fall:
a list with a bad line is refused with the line named, the corrected one is
recorded, and the member drops off the arrears list."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from kasipodaq.access.perms import Role
from kasipodaq.dues.models import Payment, SalaryBase
from kasipodaq.dues.services.accrual import accrue_month
from kasipodaq.registry.tests.factories import PASSWORD, build_tree, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_accountant_records_a_payroll_list_and_arrears_fall(
    page: Any, tmp_path: Path
) -> None:
    tree = build_tree()
    member = tree.admit(
        tree.primaries[0], last_name="Должникова", joined_on=dt.date(2025, 1, 1)
    ).person
    SalaryBase.objects.create(
        person=member, valid_from=dt.date(2025, 1, 1), amount_tiyn=100_000_00
    )
    accrue_month(actor=None, month=dt.date(2026, 1, 1), unit=tree.central)
    accountant = grant(Role.ACCOUNTANT, tree.districts[0])

    page.goto("/accounts/sign-in/")
    page.fill("#id_username", accountant.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/orgs/$"))

    page.goto(f"/dues/org/{tree.districts[0].pk}/")
    assert "Должникова" in page.locator("main").inner_text()

    bad = tmp_path / "bad.csv"
    bad.write_text(f"ИИН;Месяц;Сумма\n{member.iin};2026-01;-1000\n", encoding="utf-8")
    page.locator(f"a[href='/dues/org/{tree.districts[0].pk}/payroll/']").click()
    page.set_input_files("#id_file", str(bad))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dues/payroll/\d+/$"))
    assert "Сумма должна быть больше 0." in page.locator("main").inner_text()
    assert not Payment.objects.exists()

    good = tmp_path / "good.csv"
    good.write_text(f"ИИН;Месяц;Сумма\n{member.iin};2026-01;1000\n", encoding="utf-8")
    page.locator("main a.button", has_text="Загрузить исправленный список").click()
    page.set_input_files("#id_file", str(good))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dues/payroll/\d+/$"))
    assert Payment.objects.get().person_id == member.pk

    page.goto(f"/dues/org/{tree.districts[0].pk}/")
    text = page.locator("main").inner_text()
    assert "Должникова" not in text
    assert "Здесь ни у кого нет задолженности по взносам." in text
