"""The audit pages: the trail, one member's trail, one staff user's actions.

Only readers holding Perm.AUDIT_VIEW (central administrators, auditors) get
them; anyone else, and anything outside the reader's subtrees, answers 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from kasipodaq.audit.labels import labelled_models
from kasipodaq.audit.models import AuditEvent
from kasipodaq.orgtree.models import (
    EventKind,
    OrgUnit,
)

from .. import audit_selectors
from ..models import Person
from ..services.viewing import record_member_view

PAGE_SIZE = 50

# Keys of before/after that hold an organization's id.
UNIT_KEYS = frozenset({"org_unit", "parent", "parent_before", "into"})
DATE_KEYS = frozenset(
    {
        "joined_on",
        "left_on",
        "on",
        "counted_on",
        "birth_date",
        "consent_given_on",
        "opened_on",
        "closed_on",
        "issued_on",
        "revoked_on",
    }
)
# Keys that are not model fields, with their labels.
OTHER_LABELS = {
    "event": gettext_lazy("change"),
    "parent": gettext_lazy("parent organization"),
    "parent_before": gettext_lazy("previous parent organization"),
    "org_unit": gettext_lazy("organization"),
    "into": gettext_lazy("merged into"),
    "on": gettext_lazy("effective on"),
    "units": gettext_lazy("organizations"),
    "filters": gettext_lazy("filters"),
    "format": gettext_lazy("format"),
    "rows": gettext_lazy("rows"),
}
OTHER_EVENTS = {
    "employees": gettext_lazy("Number of employees recorded"),
    "employer": gettext_lazy("Employer registered"),
}


@dataclass(frozen=True)
class Shown:
    """A value as the trail shows it; `unit_pk` when it names a visible unit."""

    text: str
    unit_pk: int | None = None


@dataclass(frozen=True)
class Change:
    label: str
    old: Shown | None
    new: Shown | None


@dataclass(frozen=True)
class TrailRow:
    event: AuditEvent
    person: Person | None
    unit: OrgUnit | None
    changes: list[Change]


def _model_field(key: str) -> models.Field[Any, Any] | None:
    for model in labelled_models():
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.Field):
            return field
    return None


def _label(key: str) -> str:
    if key in OTHER_LABELS:
        return str(OTHER_LABELS[key])
    field = _model_field(key)
    return str(field.verbose_name) if field is not None else key


def _show(key: str, value: Any, units: dict[int, OrgUnit]) -> Shown:
    if value is None or value == "":
        return Shown("—")
    if key in UNIT_KEYS and isinstance(value, int):
        unit = units.get(value)
        if unit is None:
            return Shown(_("organization #%(id)s") % {"id": value})
        return Shown(f"{unit.name} ({unit.code})", unit.pk)
    if key == "event":
        if value in EventKind.values:
            return Shown(str(EventKind(value).label))
        return Shown(str(OTHER_EVENTS.get(value, value)))
    if key in DATE_KEYS and isinstance(value, str):
        try:
            return Shown(date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT"))
        except ValueError:
            return Shown(value)
    if isinstance(value, bool):
        return Shown(_("yes") if value else _("no"))
    if isinstance(value, dict):
        parts = [f"{k}: {v}" for k, v in value.items() if v not in (None, "")]
        return Shown(", ".join(parts) or "—")
    field = _model_field(key)
    if field is not None and field.choices:
        return Shown(str(dict(field.flatchoices).get(value, value)))
    return Shown(str(value))


def _changes(event: AuditEvent, units: dict[int, OrgUnit]) -> list[Change]:
    before = event.before or {}
    after = event.after or {}
    keys = [*after, *(k for k in before if k not in after)]
    return [
        Change(
            _label(key),
            _show(key, before[key], units) if key in before else None,
            _show(key, after[key], units) if key in after else None,
        )
        for key in keys
        if not (_empty(before.get(key)) and _empty(after.get(key)))
    ]


def _empty(value: Any) -> bool:
    """Nothing to show: a field left blank on a record created or deleted."""
    return value is None or value == ""


def _named_units(events: list[AuditEvent]) -> set[int]:
    return {
        value
        for event in events
        for side in (event.before or {}, event.after or {})
        for key, value in side.items()
        if key in UNIT_KEYS and isinstance(value, int)
    }


def _rows(user: Any, page: Page[AuditEvent]) -> list[TrailRow]:
    events = list(page.object_list)
    people, units = audit_selectors.trail_subjects(user, events, _named_units(events))
    return [
        TrailRow(
            event=event,
            person=people.get(event.person_id) if event.person_id else None,
            unit=(
                units.get(event.object_id)
                if event.object_type == audit_selectors.UNIT_TYPE and event.object_id
                else None
            ),
            changes=_changes(event, units),
        )
        for event in events
    ]


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    return int(value) if value.isdigit() else None


class AuditReaderMixin(LoginRequiredMixin):
    """Refuses, as a missing page, anyone who may not read the trail."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not audit_selectors.can_read_trail(
            request.user
        ):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def trail_page(
        self, request: HttpRequest, events: Any, context: dict[str, Any]
    ) -> HttpResponse:
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, rows=_rows(request.user, page))
        return render(request, self.template_name, context)  # type: ignore[attr-defined]


class AuditEventsView(AuditReaderMixin, View):
    """The whole trail the reader may see, filterable by actor and by person."""

    template_name = "audit/events.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        events = audit_selectors.list_trail(request.user)
        actor = person = None
        actor_id = _int_param(request, "actor")
        if actor_id is not None:
            actor = audit_selectors.access_trail_user(request.user, actor_id)
            events = events.filter(actor=actor)
        person_id = _int_param(request, "person")
        if person_id is not None:
            person = audit_selectors.access_trail_person(request.user, person_id)
            events = events.filter(person_id=person.pk)
        return self.trail_page(
            request, events, {"actor_filter": actor, "person_filter": person}
        )


class AuditPersonView(AuditReaderMixin, View):
    """One member's trail: every change of their data and every view of it."""

    template_name = "audit/person.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = audit_selectors.access_trail_person(request.user, pk)
        # The trail shows the person's data as it changed: reading it is a view too.
        record_member_view(actor=request.user, person=person)
        events = audit_selectors.list_trail(request.user).filter(person_id=person.pk)
        return self.trail_page(request, events, {"person": person})


class AuditUserView(AuditReaderMixin, View):
    """One staff user's actions inside the reader's subtrees."""

    template_name = "audit/user.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        staff = audit_selectors.access_trail_user(request.user, pk)
        events = audit_selectors.list_trail(request.user).filter(actor=staff)
        grants = audit_selectors.list_trail_grants(request.user, staff)
        return self.trail_page(request, events, {"staff": staff, "grants": grants})
