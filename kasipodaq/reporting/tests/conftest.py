"""Fixtures of the reporting tests: the shipped forms and an open campaign."""

from __future__ import annotations

import datetime as dt

import pytest

from kasipodaq.core.dates import today
from kasipodaq.registry.tests.factories import Tree
from kasipodaq.reporting.models import Campaign, ReportForm
from kasipodaq.reporting.services.campaigns import open_campaign
from kasipodaq.reporting.services.forms import install_shipped_forms

YEAR = 2025  # its reports describe 1 January 2026


@pytest.fixture
def forms(db: None) -> dict[str, ReportForm]:
    install_shipped_forms()
    return {form.code: form for form in ReportForm.objects.all()}


def open_for(tree: Tree, form: ReportForm, year: int = YEAR) -> Campaign:
    return open_campaign(
        actor=tree.admin,
        form=form,
        year=year,
        deadline=today() + dt.timedelta(days=30),
    )


@pytest.fixture
def membership_campaign(tree: Tree, forms: dict[str, ReportForm]) -> Campaign:
    return open_for(tree, forms["membership"])


@pytest.fixture
def legal_campaign(tree: Tree, forms: dict[str, ReportForm]) -> Campaign:
    return open_for(tree, forms["legal"])
