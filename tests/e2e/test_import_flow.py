"""A district chair imports a member file with one bad row: sees the problem, then
imports the valid rows only and finds the new member in the list."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from kasipodaq.access.perms import Role
from kasipodaq.registry.models import ImportJob, ImportStatus
from kasipodaq.registry.tests.factories import PASSWORD, build_tree, grant, valid_iin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "ИИН;Фамилия;Имя;Код организации;Дата вступления"
BAD_IIN = "123456789012"


def test_a_chair_imports_the_valid_rows_of_a_file_with_a_bad_one(
    page: Any, tmp_path: Path
) -> None:
    tree = build_tree()
    school = tree.primaries[0]
    chair = grant(Role.CHAIR, tree.districts[0])
    good = valid_iin()
    members = tmp_path / "members.csv"
    members.write_text(
        "\n".join(
            [
                HEADER,
                f"{good};Импортова;Алия;{school.code};01.09.2015",
                f"{BAD_IIN};Ошибкина;Вера;{school.code};01.09.2015",
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    page.goto("/accounts/sign-in/")
    page.fill("#id_username", chair.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/orgs/$"))

    page.goto("/members/")
    page.locator("a[href='/imports/new/?kind=members']").click()
    page.wait_for_url(re.compile(r"/imports/new/\?kind=members$"))
    expect(page.locator("input[name=kind][value=members]")).to_be_checked()
    page.set_input_files("#id_file", str(members))
    page.locator("main form button[type=submit]").click()

    # The columns are recognised from the headers; all or nothing is the default.
    page.wait_for_url(re.compile(r"/imports/\d+/columns/$"))
    expect(page.locator("#id_column_0")).to_have_value("iin")
    expect(page.locator("#id_column_3")).to_have_value("org_code")
    expect(page.locator("input[name=mode][value=all]")).to_be_checked()
    expect(page.locator("table.mapping")).to_contain_text("Импортова")
    page.locator("#mapping button[type=submit]").click()

    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REJECTED
    problems = page.locator("table.problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("3")
    expect(problems.first).to_contain_text("седьмая цифра ИИН")

    page.locator("form[action$='/run/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/imports/{job.pk}/$"))
    expect(page.locator(".badge.status-done")).to_be_visible()
    job.refresh_from_db()
    assert (job.status, job.rows_rejected) == (ImportStatus.DONE, 1)

    page.goto("/members/")
    results = page.locator("#member-results tbody")
    expect(results).to_contain_text("Импортова")
    expect(results).not_to_contain_text("Ошибкина")
