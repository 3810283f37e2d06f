"""Report forms and their versions: installing the shipped ones, editing, publishing.

A form is written as a definition (the JSON files of ``reporting/shipped``): its
names, sections, indicators and rules. The centre edits a form by opening a new
draft version (a copy of the latest), changing it, and publishing it; published
versions never change, so every report keeps the layout it was filed in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.orgtree.models import OrgUnit

from ..errors import ReportRefusal
from ..formulas import CODE
from ..layout import layout_of
from ..models import (
    Aggregation,
    Comparison,
    FormVersion,
    Indicator,
    Measure,
    ReportForm,
    Rule,
    Section,
    Source,
    ValueType,
)

SHIPPED = Path(__file__).resolve().parent.parent / "shipped"
LANGUAGES = ("ru", "kk", "en")
Definition = dict[str, Any]


def shipped_definitions() -> list[Definition]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SHIPPED.glob("*.json"))
    ]


@transaction.atomic
def install_shipped_forms() -> list[ReportForm]:
    """Install each shipped form the database does not have yet, published."""
    installed = []
    for definition in shipped_definitions():
        if not ReportForm.objects.filter(code=definition["code"]).exists():
            version = create_form(definition)
            publish_version_unchecked(version)
            installed.append(version.form)
    return installed


@transaction.atomic
def create_form(definition: Definition) -> FormVersion:
    """A new form with its first (draft) version, from a definition."""
    if ReportForm.objects.filter(code=definition["code"]).exists():
        raise ReportRefusal(
            _("A form with the code «%(code)s» exists already.")
            % {"code": definition["code"]},
            field="code",
        )
    form = ReportForm.objects.create(
        code=definition["code"],
        position=definition.get("position", 0),
        **_names(definition["name"], "name"),
    )
    version = FormVersion.objects.create(form=form, number=1)
    write_definition(version, definition)
    return version


def write_definition(version: FormVersion, definition: Definition) -> None:
    """Fill an empty draft version with a definition's sections, indicators, rules."""
    _require_codes(definition)
    for s_position, section_data in enumerate(definition["sections"], start=1):
        section = Section.objects.create(
            version=version,
            code=section_data["code"],
            position=s_position,
            **_names(section_data["name"], "name"),
        )
        for i_position, data in enumerate(section_data["indicators"], start=1):
            Indicator.objects.create(
                version=version,
                section=section,
                position=i_position,
                **indicator_fields(data),
            )
    for data in definition.get("rules", []):
        if data["op"] not in Comparison.values:
            raise ReportRefusal(
                _("Unknown comparison «%(op)s» in rule «%(code)s».")
                % {"op": data["op"], "code": data["code"]}
            )
        Rule.objects.create(
            version=version,
            code=data["code"],
            left=data["left"],
            comparison=data["op"],
            right=data["right"],
            **_names(data["message"], "message"),
        )
    layout_of(version)  # refuses unknown codes, circular formulas, bad rules


# What the codes of sections, indicators and rules are made of: indicator codes
# are written in formulas, so they follow the formulas' spelling, and so do the
# others, to read alike.
CODE_LENGTHS = {"section": 32, "indicator": 32, "rule": 48}


def _require_codes(definition: Definition) -> None:
    """Refuse a code that is malformed, or used twice in the version.

    Indicators and sections share no name space with rules, so each kind is
    checked on its own (a section and its only indicator may share a code).
    """
    sections = definition["sections"]
    kinds = {
        "section": [s["code"] for s in sections],
        "indicator": [i["code"] for s in sections for i in s["indicators"]],
        "rule": [r["code"] for r in definition.get("rules", [])],
    }
    for kind, codes in kinds.items():
        seen: set[str] = set()
        for code in codes:
            if (
                not isinstance(code, str)
                or not CODE.fullmatch(code)
                or len(code) > CODE_LENGTHS[kind]
            ):
                raise ReportRefusal(
                    _(
                        "«%(code)s» is not a code: use small Latin letters, digits "
                        "and «_», beginning with a letter, at most %(length)s "
                        "characters."
                    )
                    % {"code": code, "length": CODE_LENGTHS[kind]},
                    field="code",
                )
            if code in seen:
                raise ReportRefusal(
                    _("The code «%(code)s» is used twice.") % {"code": code},
                    field="code",
                )
            seen.add(code)


def indicator_fields(data: Definition) -> dict[str, Any]:
    """The model fields of an indicator's definition, with its defaults filled in."""
    value_type = data["type"]
    formula = data.get("formula", "")
    source = data.get("source", Source.FORMULA if formula else Source.ENTERED)
    if value_type not in ValueType.values:
        raise ReportRefusal(_("Unknown type «%(type)s».") % {"type": value_type})
    if source not in Source.values:
        raise ReportRefusal(_("Unknown source «%(source)s».") % {"source": source})
    if value_type == ValueType.TEXT and source != Source.ENTERED:
        raise ReportRefusal(
            _("«%(code)s» is a text: only the organization can enter it.")
            % {"code": data["code"]},
            field="source",
        )
    measure = data.get("measure", "")
    if source == Source.REGISTRY and measure not in Measure.values:
        raise ReportRefusal(
            _("Unknown registry figure «%(measure)s».") % {"measure": measure},
            field="measure",
        )
    if source == Source.FORMULA and not formula.strip():
        raise ReportRefusal(
            _("«%(code)s» is computed from other indicators: give its formula.")
            % {"code": data["code"]},
            field="formula",
        )
    aggregation = data.get("aggregation") or default_aggregation(source, value_type)
    if aggregation not in Aggregation.values:
        raise ReportRefusal(
            _("Unknown aggregation «%(aggregation)s».") % {"aggregation": aggregation},
            field="aggregation",
        )
    if aggregation not in allowed_aggregations(source, value_type):
        raise ReportRefusal(
            _(
                "«%(code)s» cannot be rolled up that way: only entered counts and "
                "amounts add up, and only formulas are recomputed."
            )
            % {"code": data["code"]},
            field="aggregation",
        )
    return {
        "code": data["code"],
        "value_type": value_type,
        "source": source,
        "measure": measure if source == Source.REGISTRY else "",
        "formula": formula.strip() if source == Source.FORMULA else "",
        "aggregation": aggregation,
        **_names(data["name"], "name"),
    }


def allowed_aggregations(source: str, value_type: str) -> set[str]:
    """How an indicator may be rolled up: a percentage or a text never adds up."""
    if source == Source.FORMULA:
        return {Aggregation.RECOMPUTED}
    if value_type in (ValueType.TEXT, ValueType.PERCENT):
        return {Aggregation.OWN}
    return {Aggregation.SUM, Aggregation.OWN}


def default_aggregation(source: str, value_type: str) -> str:
    if source == Source.FORMULA:
        return Aggregation.RECOMPUTED
    if value_type in (ValueType.TEXT, ValueType.PERCENT):
        return Aggregation.OWN
    return Aggregation.SUM


def _names(names: dict[str, str], prefix: str) -> dict[str, str]:
    missing = [language for language in LANGUAGES if not names.get(language)]
    if missing:
        raise ReportRefusal(
            _("A name is missing in: %(languages)s.")
            % {"languages": ", ".join(missing)}
        )
    return {f"{prefix}_{language}": names[language] for language in LANGUAGES}


def definition_of(version: FormVersion) -> Definition:
    """A version written out as a definition (what ``create_form`` reads)."""
    layout = layout_of(version)
    form = version.form

    def names(obj: Any, prefix: str = "name") -> dict[str, str]:
        return {
            language: getattr(obj, f"{prefix}_{language}") for language in LANGUAGES
        }

    return {
        "code": form.code,
        "position": form.position,
        "name": names(form),
        "sections": [
            {
                "code": section.code,
                "name": names(section),
                "indicators": [_indicator_definition(i, names(i)) for i in indicators],
            }
            for section, indicators in layout.sections
        ],
        "rules": [
            {
                "code": p.rule.code,
                "left": p.rule.left,
                "op": p.rule.comparison,
                "right": p.rule.right,
                "message": names(p.rule, "message"),
            }
            for p in layout.rules
        ],
    }


def _indicator_definition(indicator: Indicator, names: dict[str, str]) -> Definition:
    data: Definition = {
        "code": indicator.code,
        "type": indicator.value_type,
        "source": indicator.source,
        "name": names,
    }
    if indicator.measure:
        data["measure"] = indicator.measure
    if indicator.formula:
        data["formula"] = indicator.formula
    if indicator.aggregation != default_aggregation(
        indicator.source, indicator.value_type
    ):
        data["aggregation"] = indicator.aggregation
    return data


def _require_centre(actor: Any) -> None:
    root = OrgUnit.objects.union_root()
    if root is None or not policy.has_perm(actor, Perm.REPORT_MANAGE, unit=root):
        raise ReportRefusal(_("Only the central committee edits report forms."))


def latest_version(form: ReportForm) -> FormVersion:
    version = form.versions.order_by("-number").first()
    if version is None:
        raise ReportRefusal(_("This form has no version."))
    return version


def latest_published(form: ReportForm) -> FormVersion | None:
    return form.versions.filter(published_at__isnull=False).order_by("-number").first()


@transaction.atomic
def open_draft_version(*, actor: Any, form: ReportForm) -> FormVersion:
    """The form's draft to edit: the existing one, or a copy of the latest version."""
    _require_centre(actor)
    form = ReportForm.objects.select_for_update().get(pk=form.pk)
    latest = latest_version(form)
    if not latest.is_published:
        return latest
    draft = FormVersion.objects.create(form=form, number=latest.number + 1)
    write_definition(draft, definition_of(latest))
    return draft


@transaction.atomic
def replace_draft(
    *, actor: Any, version: FormVersion, definition: Definition
) -> FormVersion:
    """Put a whole new definition into a draft version (the editor saves this way)."""
    _require_centre(actor)
    version = FormVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    if definition.get("code", version.form.code) != version.form.code:
        raise ReportRefusal(_("A definition of another form cannot go here."))
    version.rules.all().delete()
    version.indicators.all().delete()
    version.sections.all().delete()
    form = version.form
    for field, value in _names(definition["name"], "name").items():
        setattr(form, field, value)
    form.save()
    write_definition(version, definition)
    return version


@transaction.atomic
def publish_version(*, actor: Any, version: FormVersion) -> FormVersion:
    _require_centre(actor)
    version = FormVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    if not version.indicators.exists():
        raise ReportRefusal(_("A form without indicators cannot be published."))
    return publish_version_unchecked(version)


def publish_version_unchecked(version: FormVersion) -> FormVersion:
    layout_of(version)
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version


def _require_draft(version: FormVersion) -> None:
    if version.is_published:
        raise ReportRefusal(
            _("A published version cannot be changed: open a new version.")
        )
