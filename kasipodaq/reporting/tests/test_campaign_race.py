"""Two people opening the same campaign at the same moment."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db.models import QuerySet

from kasipodaq.registry.tests.factories import Tree
from kasipodaq.reporting.errors import ReportRefusal
from kasipodaq.reporting.models import Campaign, Report, ReportForm

from .conftest import open_for


def test_the_second_of_two_simultaneous_openings_is_refused_not_crashed(
    tree: Tree, forms: dict[str, ReportForm]
) -> None:
    """When the check for an open campaign passes for both (each ran before the
    other wrote), the unique constraint stops the second: a translated refusal on
    the year, and no second set of reports."""
    first = open_for(tree, forms["legal"])
    reports = Report.objects.filter(campaign=first).count()
    with (
        mock.patch.object(QuerySet, "exists", return_value=False),
        pytest.raises(ReportRefusal) as refused,
    ):
        open_for(tree, forms["legal"])
    assert refused.value.field == "year"
    assert Campaign.objects.count() == 1
    assert Report.objects.count() == reports
