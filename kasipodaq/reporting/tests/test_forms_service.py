"""Report forms as data: installing the shipped ones, drafts, refusals, publishing."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.errors import ReportRefusal
from kasipodaq.reporting.layout import layout_of
from kasipodaq.reporting.models import FormVersion, Indicator, ReportForm, Rule, Section
from kasipodaq.reporting.services.forms import (
    Definition,
    create_form,
    default_aggregation,
    definition_of,
    install_shipped_forms,
    latest_published,
    open_draft_version,
    publish_version,
    replace_draft,
    shipped_definitions,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Refusals are read in English."""
    with translation.override("en"):
        yield


def names(text: str) -> dict[str, str]:
    return {"ru": f"{text} (ru)", "kk": f"{text} (kk)", "en": text}


def small_definition() -> Definition:
    """A form of two entered counts, their sum and a share, and one rule."""
    return {
        "code": "small",
        "position": 9,
        "name": names("Small"),
        "sections": [
            {
                "code": "main",
                "name": names("Main"),
                "indicators": [
                    {
                        "code": "first",
                        "type": "count",
                        "source": "entered",
                        "name": names("First"),
                    },
                    {
                        "code": "second",
                        "type": "count",
                        "source": "entered",
                        "name": names("Second"),
                    },
                    {
                        "code": "total",
                        "type": "count",
                        "source": "formula",
                        "formula": "first + second",
                        "name": names("Total"),
                    },
                    {
                        "code": "share",
                        "type": "percent",
                        "source": "formula",
                        "formula": "first / total",
                        "name": names("Share"),
                    },
                    {
                        "code": "note",
                        "type": "text",
                        "source": "entered",
                        "name": names("Note"),
                    },
                ],
            }
        ],
        "rules": [
            {
                "code": "second_within_first",
                "left": "second",
                "op": "<=",
                "right": "first",
                "message": names("Second cannot exceed first."),
            }
        ],
    }


def normalized(definition: Definition) -> Definition:
    """A shipped definition as `definition_of` writes it: every source named, an
    aggregation only where it is not the default, rules always listed."""
    result = copy.deepcopy(definition)
    result.setdefault("position", 0)
    result.setdefault("rules", [])
    for section in result["sections"]:
        for indicator in section["indicators"]:
            source = indicator.setdefault(
                "source", "formula" if indicator.get("formula") else "entered"
            )
            if indicator.get("aggregation") == default_aggregation(
                source, indicator["type"]
            ):
                del indicator["aggregation"]
    return result


def indicator_of(definition: Definition, code: str) -> dict[str, Any]:
    return next(
        i for s in definition["sections"] for i in s["indicators"] if i["code"] == code
    )


def contents(version: FormVersion) -> tuple[list[Any], ...]:
    """Every row a version holds, to see that a refusal changed nothing."""
    return (
        list(Section.objects.filter(version=version).values_list("code", "name_kk")),
        list(
            Indicator.objects.filter(version=version).values_list(
                "code", "section__code", "formula", "measure", "name_kk"
            )
        ),
        list(Rule.objects.filter(version=version).values_list("code", "left", "right")),
        list(ReportForm.objects.values_list("code", "name_ru", "name_kk", "name_en")),
    )


@pytest.fixture
def draft(tree: Tree) -> FormVersion:
    """The small form published as version 1, and its draft version 2."""
    first = create_form(small_definition())
    publish_version(actor=tree.admin, version=first)
    return open_draft_version(actor=tree.admin, form=first.form)


# Installing the shipped forms


def test_installing_the_shipped_forms_twice_installs_them_once() -> None:
    """`migrate` installed the six shipped forms, published as version 1; installing
    again adds nothing, and puts back only a form that was taken away."""
    codes = sorted(d["code"] for d in shipped_definitions())
    assert codes == [
        "information",
        "legal",
        "membership",
        "partnership",
        "safety",
        "training",
    ]
    ReportForm.objects.filter(code="legal").delete()
    kept = list(FormVersion.objects.order_by("pk").values_list("pk", flat=True))

    assert [form.code for form in install_shipped_forms()] == ["legal"]
    assert install_shipped_forms() == []
    assert sorted(ReportForm.objects.values_list("code", flat=True)) == codes
    versions = FormVersion.objects.all()
    assert len(versions) == 6
    assert all(v.number == 1 and v.is_published for v in versions)
    assert set(kept) < {v.pk for v in versions}
    assert Rule.objects.count() == sum(
        len(d.get("rules", [])) for d in shipped_definitions()
    )


@pytest.mark.parametrize(
    "definition", shipped_definitions(), ids=lambda d: str(d["code"])
)
def test_every_shipped_definition_round_trips(definition: Definition) -> None:
    """A definition written into a version reads back the same, sections,
    indicators and rules in their order, defaults made explicit."""
    installed = latest_published(ReportForm.objects.get(code=definition["code"]))
    assert installed is not None
    assert definition_of(installed) == normalized(definition)

    copied = {**definition, "code": f"{definition['code']}_copy"}
    version = create_form(copied)
    assert definition_of(version) == normalized(copied)
    assert version.form.name_kk == definition["name"]["kk"]


def test_a_form_code_is_taken_once() -> None:
    """A second form with a shipped form's code is refused."""
    with pytest.raises(ReportRefusal, match="«legal» exists already"):
        create_form(shipped_definitions()[1])
    assert FormVersion.objects.filter(form__code="legal").count() == 1


def test_a_definition_round_trips_with_every_field() -> None:
    """Registry figures, a non-default aggregation and a text come back as given."""
    definition = small_definition()
    indicators = definition["sections"][0]["indicators"]
    indicators.insert(
        0,
        {
            "code": "members",
            "type": "count",
            "source": "registry",
            "measure": "members",
            "name": names("Members"),
        },
    )
    indicators[1]["aggregation"] = "own"
    assert definition_of(create_form(definition)) == definition


# Drafts


def test_opening_a_draft_copies_the_latest_version(tree: Tree) -> None:
    """Version 2 holds version 1's definition; opening again gives the same draft;
    once it is published, the next draft copies version 2 with its changes."""
    first = create_form(small_definition())
    publish_version(actor=tree.admin, version=first)
    second = open_draft_version(actor=tree.admin, form=first.form)
    assert second.number == 2
    assert not second.is_published
    assert definition_of(second) == definition_of(first)
    assert set(second.indicators.values_list("pk", flat=True)).isdisjoint(
        first.indicators.values_list("pk", flat=True)
    )
    assert open_draft_version(actor=tree.admin, form=first.form) == second

    changed = definition_of(second)
    changed["name"]["kk"] = "Жаңа атауы"
    indicator_of(changed, "first")["name"]["en"] = "First, renamed"
    replace_draft(actor=tree.admin, version=second, definition=changed)
    publish_version(actor=tree.admin, version=second)
    third = open_draft_version(actor=tree.admin, form=first.form)
    assert third.number == 3
    assert definition_of(third) == changed
    assert latest_published(first.form) == second
    assert indicator_of(definition_of(first), "first")["name"]["en"] == "First"


def test_a_draft_takes_a_whole_new_definition(draft: FormVersion, tree: Tree) -> None:
    """Sections, indicators and rules are replaced; the form's names follow."""
    definition = small_definition()
    definition["name"] = names("Renamed")
    definition["sections"].append(
        {
            "code": "more",
            "name": names("More"),
            "indicators": [
                {
                    "code": "third",
                    "type": "amount",
                    "source": "entered",
                    "name": names("Third"),
                }
            ],
        }
    )
    definition["rules"] = []
    replaced = replace_draft(actor=tree.admin, version=draft, definition=definition)
    assert definition_of(replaced) == definition
    assert ReportForm.objects.get(code="small").name_en == "Renamed"
    assert [section.code for section, _i in layout_of(draft).sections] == [
        "main",
        "more",
    ]


def test_a_published_version_refuses_changes(draft: FormVersion, tree: Tree) -> None:
    """Published versions are frozen: no new definition, no second publication."""
    first = FormVersion.objects.get(form=draft.form, number=1)
    before = contents(first)
    with pytest.raises(ReportRefusal, match="published version cannot be changed"):
        replace_draft(actor=tree.admin, version=first, definition=small_definition())
    with pytest.raises(ReportRefusal, match="published version cannot be changed"):
        publish_version(actor=tree.admin, version=first)
    assert contents(first) == before


def test_publishing_freezes_the_draft(draft: FormVersion, tree: Tree) -> None:
    """The draft becomes the latest published version."""
    publish_version(actor=tree.admin, version=draft)
    draft.refresh_from_db()
    assert draft.is_published
    assert latest_published(draft.form) == draft


def test_a_draft_without_indicators_is_not_published(tree: Tree) -> None:
    """Publishing an empty draft is refused, and it stays a draft."""
    version = create_form({**small_definition(), "sections": [], "rules": []})
    with pytest.raises(ReportRefusal, match="without indicators"):
        publish_version(actor=tree.admin, version=version)
    version.refresh_from_db()
    assert not version.is_published


def test_a_definition_of_another_form_is_refused(
    draft: FormVersion, tree: Tree
) -> None:
    """A draft of one form does not take another form's definition."""
    before = contents(draft)
    with pytest.raises(ReportRefusal, match="another form"):
        replace_draft(
            actor=tree.admin,
            version=draft,
            definition={**small_definition(), "code": "other"},
        )
    assert contents(draft) == before


# Refusals of a bad definition


def _unknown_measure(d: Definition) -> None:
    indicator_of(d, "first").update(source="registry", measure="salaries")


def _unknown_comparison(d: Definition) -> None:
    d["rules"][0]["op"] = "=>"


def _unknown_code_in_formula(d: Definition) -> None:
    indicator_of(d, "total")["formula"] = "first + third"


def _circular_formulas(d: Definition) -> None:
    indicator_of(d, "total")["formula"] = "first + share"


def _self_reference(d: Definition) -> None:
    indicator_of(d, "total")["formula"] = "first + total"


def _ratio_in_rule(d: Definition) -> None:
    d["rules"][0]["right"] = "first / total"


def _unknown_code_in_rule(d: Definition) -> None:
    d["rules"][0]["left"] = "nowhere"


def _text_in_formula(d: Definition) -> None:
    indicator_of(d, "total")["formula"] = "first + note"


def _text_in_rule(d: Definition) -> None:
    d["rules"][0]["left"] = "note"


def _missing_kazakh_name(d: Definition) -> None:
    indicator_of(d, "second")["name"]["kk"] = ""


def _missing_rule_message(d: Definition) -> None:
    del d["rules"][0]["message"]["en"]


def _missing_form_name(d: Definition) -> None:
    d["name"]["ru"] = ""


def _duplicate_indicator(d: Definition) -> None:
    indicator_of(d, "second")["code"] = "first"


def _duplicate_section(d: Definition) -> None:
    d["sections"].append({**d["sections"][0], "indicators": []})


def _duplicate_rule(d: Definition) -> None:
    d["rules"].append(d["rules"][0])


def _malformed_code(d: Definition) -> None:
    indicator_of(d, "note")["code"] = "Note-1"


def _too_long_code(d: Definition) -> None:
    indicator_of(d, "note")["code"] = "n" * 33


def _formula_without_text(d: Definition) -> None:
    indicator_of(d, "total")["formula"] = " "


def _not_a_formula(d: Definition) -> None:
    indicator_of(d, "total")["formula"] = "first * 2"


def _unknown_type(d: Definition) -> None:
    indicator_of(d, "first")["type"] = "money"


def _unknown_source(d: Definition) -> None:
    indicator_of(d, "first")["source"] = "guess"


def _unknown_aggregation(d: Definition) -> None:
    indicator_of(d, "first")["aggregation"] = "average"


def _computed_text(d: Definition) -> None:
    indicator_of(d, "note").update(source="registry", measure="members")


REFUSALS: list[tuple[str, Callable[[Definition], None], str]] = [
    ("unknown registry figure", _unknown_measure, "Unknown registry figure «salaries»"),
    ("unknown comparison", _unknown_comparison, "Unknown comparison «=>»"),
    ("unknown code in a formula", _unknown_code_in_formula, "uses «third»"),
    ("circular formulas", _circular_formulas, "depends on itself"),
    ("formula using itself", _self_reference, "«total» depends on itself"),
    ("ratio in a rule", _ratio_in_rule, "Only sums of indicators"),
    ("unknown code in a rule", _unknown_code_in_rule, "uses «nowhere»"),
    ("text in a formula", _text_in_formula, "uses «note», which is not a number"),
    ("text in a rule", _text_in_rule, "uses «note», which is not a number"),
    ("missing Kazakh name", _missing_kazakh_name, "A name is missing in: kk"),
    ("missing rule message", _missing_rule_message, "A name is missing in: en"),
    ("missing form name", _missing_form_name, "A name is missing in: ru"),
    ("duplicate indicator", _duplicate_indicator, "«first» is used twice"),
    ("duplicate section", _duplicate_section, "«main» is used twice"),
    ("duplicate rule", _duplicate_rule, "«second_within_first» is used twice"),
    ("malformed code", _malformed_code, "«Note-1» is not a code"),
    ("too long code", _too_long_code, "at most 32 characters"),
    ("formula left empty", _formula_without_text, "give its formula"),
    ("not a formula", _not_a_formula, "is not a formula"),
    ("unknown type", _unknown_type, "Unknown type «money»"),
    ("unknown source", _unknown_source, "Unknown source «guess»"),
    ("unknown aggregation", _unknown_aggregation, "Unknown aggregation «average»"),
    ("computed text", _computed_text, "only the organization can enter it"),
]


@pytest.mark.parametrize(
    ("spoil", "message"),
    [(spoil, message) for _name, spoil, message in REFUSALS],
    ids=[name for name, _spoil, _message in REFUSALS],
)
def test_a_bad_definition_is_refused_and_changes_nothing(
    draft: FormVersion,
    tree: Tree,
    spoil: Callable[[Definition], None],
    message: str,
) -> None:
    """Each fault is refused with a message naming it; the draft keeps its rows."""
    definition = small_definition()
    definition["name"]["en"] = "Renamed"
    spoil(definition)
    before = contents(draft)
    with pytest.raises(ReportRefusal) as refused:
        replace_draft(actor=tree.admin, version=draft, definition=definition)
    assert message in str(refused.value)
    assert contents(draft) == before
    assert ReportForm.objects.get(code="small").name_en == "Small"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [(spoil, message) for _name, spoil, message in REFUSALS],
    ids=[name for name, _spoil, _message in REFUSALS],
)
def test_a_bad_definition_makes_no_form(
    spoil: Callable[[Definition], None], message: str
) -> None:
    """Creating a form from a faulty definition is refused the same way."""
    definition = small_definition()
    spoil(definition)
    with pytest.raises(ReportRefusal, match=re.escape(message)):
        create_form(definition)
    assert not ReportForm.objects.filter(code="small").exists()


# Who edits forms


@pytest.mark.parametrize(
    "holder",
    ["regional_admin", "district_chair", "primary_chair", "nobody"],
)
def test_only_the_centre_edits_forms(
    draft: FormVersion, tree: Tree, holder: str
) -> None:
    """Opening, replacing and publishing a draft are the centre's: a central
    administrator's role on a region does not reach the union's forms."""
    actor = {
        "regional_admin": lambda: grant(Role.CENTRAL_ADMIN, tree.regions[0]),
        "district_chair": lambda: grant(Role.CHAIR, tree.districts[0]),
        "primary_chair": lambda: grant(Role.PRIMARY_CHAIR, tree.primaries[0]),
        "nobody": lambda: grant(Role.AUDITOR, tree.central),
    }[holder]()
    before = contents(draft)
    form = draft.form
    with pytest.raises(ReportRefusal, match="Only the central committee"):
        open_draft_version(actor=actor, form=form)
    with pytest.raises(ReportRefusal, match="Only the central committee"):
        replace_draft(actor=actor, version=draft, definition=small_definition())
    with pytest.raises(ReportRefusal, match="Only the central committee"):
        publish_version(actor=actor, version=draft)
    draft.refresh_from_db()
    assert not draft.is_published
    assert contents(draft) == before
    assert FormVersion.objects.filter(form=form).count() == 2
