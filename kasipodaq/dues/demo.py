"""The demo union's dues: rules, salaries, three months accrued, a payroll list.

Run after the demo's registry is committed (`registry.signals.demo_built`): a
regulation sharing dues 60/15/15/10 between the primary organization, the
district, the region and the centre; 1 % of the salary, 200 tenge for students
and 300 for pensioners; salaries for every working member, set-based; the three
months before this one accrued; and the demo school's payroll list for those
months recorded through the real import, so its members are paid up while the
rest of the union shows arrears.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from kasipodaq.core.dates import today
from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.demo.users import demo_units
from kasipodaq.registry.models import Category

from .models import Charge, DistributionRule, DuesRule
from .money import to_tenge
from .months import month_of
from .services.accrual import accrue_month
from .services.payroll import import_payroll

DEMO_MONTHS = 3
# 150,000–550,000 tenge, varied by the person's id, whole hundreds.
SALARY_SQL = f"""
INSERT INTO dues_salarybase (person_id, valid_from, amount_tiyn, created_at)
SELECT m.person_id, %(since)s, (150000 + (m.person_id * 7919) %% 400000) / 100 * 10000,
    %(now)s
FROM registry_membership m
WHERE m.left_on IS NULL AND m.category = '{Category.WORKING}'
"""  # noqa: S608 (our own constant)


def build_demo_dues(step: Callable[[str], None]) -> None:
    root = OrgUnit.objects.union_root()
    if root is None:
        return
    months = _months()
    with transaction.atomic():
        DistributionRule.objects.create(
            unit=root,
            valid_from=months[0],
            primary_bp=6000,
            district_bp=1500,
            region_bp=1500,
            central_bp=1000,
        )
        DuesRule.objects.create(
            unit=root,
            valid_from=months[0],
            percent_bp=100,
            student_tiyn=200_00,
            pensioner_tiyn=300_00,
        )
        with connection.cursor() as cursor:
            cursor.execute(SALARY_SQL, {"since": months[0], "now": timezone.now()})
    for month in months:
        accrue_month(actor=None, month=month, unit=root)
    step(f"dues accrued for {len(months)} months")
    school = demo_units()["primary"]
    _pay_school(school, months)
    step("the demo school's payroll list recorded")


def _months() -> list[dt.date]:
    """The DEMO_MONTHS months before this one, oldest first."""
    months = [month_of(today())]
    for _ in range(DEMO_MONTHS):
        months.insert(0, month_of(months[0] - dt.timedelta(days=1)))
    return months[:-1]


def _pay_school(school: OrgUnit, months: list[dt.date]) -> None:
    charges = Charge.objects.filter(
        org_unit=school, month__in=months, amount_tiyn__gt=0
    ).select_related("person")
    lines = [
        f"{c.person.iin};{c.month:%Y-%m};{to_tenge(c.amount_tiyn)}"
        for c in charges.order_by("month", "person_id")
    ]
    if not lines:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "payroll.csv"
        path.write_text("ИИН;Месяц;Сумма\n" + "\n".join(lines) + "\n", encoding="utf-8")
        import_payroll(
            actor=None, unit=school, path=path, original_name="демо-ведомость.csv"
        )
