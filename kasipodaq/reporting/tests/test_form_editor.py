"""The centre's pages of report forms: the list, a version, the draft editor,
opening a new version and publishing it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kasipodaq.access.perms import Role
from kasipodaq.accounts.models import User
from kasipodaq.registry.tests.factories import Tree, grant
from kasipodaq.reporting.editor_forms import DraftEditor
from kasipodaq.reporting.models import (
    Campaign,
    FormVersion,
    Indicator,
    ReportForm,
    Rule,
    Section,
)
from kasipodaq.reporting.services.forms import (
    definition_of,
    latest_published,
    open_draft_version,
)

from .conftest import open_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_of_the_next_test() -> Iterator[None]:
    """A request activates the language it asks for in this thread; the tests
    after these find the default one again."""
    yield
    translation.deactivate()


@pytest.fixture
def client() -> Client:
    """A browser that asks for English, so messages read as in the code."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def centre(client: Client, tree: Tree) -> Client:
    assert tree.admin is not None
    client.force_login(tree.admin)
    return client


def legal() -> ReportForm:
    return ReportForm.objects.get(code="legal")


@pytest.fixture
def draft(tree: Tree) -> FormVersion:
    """Version 2 of the legal form, open for editing."""
    return open_draft_version(actor=tree.admin, form=legal())


def state() -> tuple[list[Any], ...]:
    """Every row of every form, to see that a refused request changed nothing."""
    return (
        list(
            ReportForm.objects.order_by("pk").values_list(
                "code", "name_ru", "name_kk", "name_en"
            )
        ),
        list(
            FormVersion.objects.order_by("pk").values_list(
                "pk", "number", "published_at"
            )
        ),
        list(Section.objects.order_by("pk").values_list("pk", "code", "name_en")),
        list(
            Indicator.objects.order_by("pk").values_list(
                "pk", "section_id", "code", "formula", "name_kk", "position"
            )
        ),
        list(Rule.objects.order_by("pk").values_list("pk", "code", "left", "right")),
    )


def page_data(response: Any) -> dict[str, Any]:
    """What the browser sends back from the editor page as it was shown: every
    input with its value, a box that is not ticked left out."""
    editor: DraftEditor = response.context["editor"]
    data: dict[str, Any] = {}
    forms: list[Any] = [editor.names]
    for formset in editor.formsets:
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if field.widget_type == "checkbox":
                if value:
                    data[field.html_name] = "on"
            else:
                data[field.html_name] = "" if value is None else str(value)
    return data


def row_of(data: dict[str, Any], kind: str, field: str, value: str) -> str:
    """The prefix of the row of `kind` whose `field` is `value`, e.g. indicators-3."""
    for key, given in data.items():
        if key.startswith(f"{kind}-") and key.endswith(f"-{field}") and given == value:
            return key.rsplit("-", 1)[0]
    raise AssertionError(f"no {kind} row with {field}={value}")


def edit_url(version: FormVersion) -> str:
    return reverse("reports:version-edit", kwargs={"pk": version.pk})


def errors_of(response: Any) -> str:
    """Every error the editor shows, of the names form and each row, as one text."""
    editor: DraftEditor = response.context["editor"]
    texts = [str(e) for e in editor.names.non_field_errors()]
    texts += [str(e) for errors in editor.names.errors.values() for e in errors]
    for formset in editor.formsets:
        texts += [str(e) for e in formset.non_form_errors()]
        for form in formset.forms:
            texts += [str(e) for errors in form.errors.values() for e in errors]
    return " ".join(texts)


# Who sees the pages


def _pages(tree: Tree, draft: FormVersion) -> list[str]:
    published = latest_published(legal())
    assert published is not None
    return [
        reverse("reports:forms"),
        reverse("reports:version", kwargs={"pk": published.pk}),
        reverse("reports:version", kwargs={"pk": draft.pk}),
        reverse("reports:version-new", kwargs={"pk": legal().pk}),
        edit_url(draft),
        reverse("reports:version-publish", kwargs={"pk": draft.pk}),
    ]


@pytest.mark.parametrize(
    "role_at",
    [
        (Role.CENTRAL_ADMIN, "region"),
        (Role.CHAIR, "region"),
        (Role.CHAIR, "district"),
        (Role.PRIMARY_CHAIR, "primary"),
        (Role.AUDITOR, "central"),
        (Role.INFO_OFFICER, "central"),
    ],
    ids=lambda r: f"{r[0]}@{r[1]}",
)
def test_the_pages_are_the_centres_only(
    client: Client, tree: Tree, draft: FormVersion, role_at: tuple[str, str]
) -> None:
    """Without the centre's right on reports at the root (an administrator of a
    region, a chair, an auditor of the centre), every page is 404, read or posted,
    and nothing changes."""
    role, where = role_at
    unit = {
        "central": tree.central,
        "region": tree.regions[0],
        "district": tree.districts[0],
        "primary": tree.primaries[0],
    }[where]
    client.force_login(grant(role, unit))
    before = state()
    for url in _pages(tree, draft):
        assert client.get(url).status_code == 404, url
        posted = client.post(url, {"name_ru": "x", "add": "sections"})
        assert posted.status_code in (404, 405), url
    assert client.post(
        edit_url(draft), page_data(_editor(tree, draft))
    ).status_code == (404)
    assert state() == before


def _editor(tree: Tree, draft: FormVersion) -> Any:
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert tree.admin is not None
    admin.force_login(tree.admin)
    return admin.get(edit_url(draft))


def test_a_visitor_is_sent_to_sign_in(
    client: Client, tree: Tree, draft: FormVersion
) -> None:
    """Signed out, every page leads to the sign-in page."""
    for url in _pages(tree, draft):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:sign-in") in response["Location"]


def test_unknown_forms_and_versions_are_404(centre: Client) -> None:
    """An id that names no version or form is 404 for the centre too."""
    missing = (FormVersion.objects.order_by("-pk").first().pk or 0) + 1000  # type: ignore[union-attr]
    for name in ("reports:version", "reports:version-edit", "reports:version-publish"):
        assert centre.get(reverse(name, kwargs={"pk": missing})).status_code == 404
    url = reverse("reports:version-new", kwargs={"pk": missing})
    assert centre.get(url).status_code == 404
    assert centre.post(url).status_code == 404
    assert FormVersion.objects.count() == 6


# The list and a version


def test_the_list_shows_every_form_with_its_versions(
    centre: Client, tree: Tree, draft: FormVersion, django_assert_max_num_queries: Any
) -> None:
    """Each form with its versions, published or draft, and the campaigns that
    collect each; the number of queries does not grow with forms or versions."""
    open_for(tree, legal())
    open_for(tree, legal(), year=2024)
    with django_assert_max_num_queries(6):
        response = centre.get(reverse("reports:forms"))
    assert response.status_code == 200
    rows = {row.form.code: row for row in response.context["rows"]}
    assert list(rows) == [
        "membership",
        "partnership",
        "legal",
        "safety",
        "training",
        "information",
    ]
    legal_row = rows["legal"]
    assert [
        (v.number, v.is_published, v.campaigns_count) for v in legal_row.versions
    ] == [
        (2, False, 0),
        (1, True, 2),
    ]
    assert legal_row.draft == draft
    assert rows["membership"].draft is None
    html = response.content.decode()
    assert edit_url(draft) in html
    assert reverse("reports:version-new", kwargs={"pk": rows["safety"].form.pk}) in html

    for form in ReportForm.objects.exclude(code="legal"):
        open_draft_version(actor=tree.admin, form=form)
    with django_assert_max_num_queries(6):
        assert centre.get(reverse("reports:forms")).status_code == 200


def test_a_published_version_is_shown_read_only(
    centre: Client, tree: Tree, django_assert_max_num_queries: Any
) -> None:
    """Sections, indicators with their codes, names, type, source, registry figure,
    formula and aggregation, and rules with their messages; no editing. A few
    queries, whatever the number of indicators."""
    membership = latest_published(ReportForm.objects.get(code="membership"))
    assert membership is not None
    open_for(tree, membership.form)
    url = reverse("reports:version", kwargs={"pk": membership.pk})
    with django_assert_max_num_queries(9):
        response = centre.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "students_share",
        "Доля студентов и учащихся, %",
        "Студенттер мен оқушылардың үлесі, %",
        "Students, % of members",
        "students / members",
        "Computed from the registry",
        "Computed from other indicators",
        "Percent",
        "Working members",  # a registry figure
        "Recomputed from its parts",
        "working_within_members",
        "Работающих членов профсоюза не может быть больше",
        "collected by 1 campaign",
        "read-only",
    ):
        assert text in html, text
    assert "Edit" not in [a.strip() for a in html.split(">")]
    assert edit_url(membership) not in html
    assert reverse("reports:version-new", kwargs={"pk": membership.form_id}) in html
    assert centre.get(edit_url(membership)).status_code == 404
    publish = reverse("reports:version-publish", kwargs={"pk": membership.pk})
    assert centre.get(publish)["Location"] == reverse(
        "reports:version", kwargs={"pk": membership.pk}
    )


def test_a_draft_version_links_to_its_editor(
    centre: Client, draft: FormVersion
) -> None:
    """A draft's page offers editing and publishing."""
    response = centre.get(reverse("reports:version", kwargs={"pk": draft.pk}))
    html = response.content.decode()
    assert "draft" in html
    assert edit_url(draft) in html
    assert reverse("reports:version-publish", kwargs={"pk": draft.pk}) in html
    assert "disputes_won" in html


# Opening a new version


def test_a_new_version_copies_the_latest(centre: Client, tree: Tree) -> None:
    """Posting opens version 2 as a copy of version 1 and goes to its editor; a
    second post goes to the same draft."""
    url = reverse("reports:version-new", kwargs={"pk": legal().pk})
    assert centre.get(url).status_code == 200
    response = centre.post(url)
    draft = FormVersion.objects.get(form=legal(), number=2)
    assert response["Location"] == edit_url(draft)
    published = latest_published(legal())
    assert published is not None
    assert definition_of(draft) == definition_of(published)
    assert centre.post(url)["Location"] == edit_url(draft)
    assert FormVersion.objects.filter(form=legal()).count() == 2
    assert "has a draft already" in centre.get(url).content.decode()


# The editor


def test_the_editor_shows_the_draft(
    centre: Client, draft: FormVersion, django_assert_max_num_queries: Any
) -> None:
    """The form's names, a row per section, per indicator (in its section) and per
    rule, filled in from the draft, in a few queries."""
    with django_assert_max_num_queries(8):
        response = centre.get(edit_url(draft))
    assert response.status_code == 200
    editor = response.context["editor"]
    assert editor.names["name_kk"].value() == "Құқық қорғау жұмысы"
    assert [f["code"].value() for f in editor.sections] == [
        "appeals",
        "disputes",
        "inspections",
    ]
    assert len(editor.indicators.forms) == 11
    won = next(f for f in editor.indicators if f["code"].value() == "disputes_won")
    assert won["section"].value() == "1"
    assert won["source"].value() == "entered"
    assert [f["code"].value() for f in editor.rules] == [
        "won_within_disputes",
        "remedied_within_found",
    ]
    html = response.content.decode()
    assert 'name="indicators-TOTAL_FORMS" value="11"' in html
    assert 'name="add" value="indicators"' in html
    assert "<textarea" not in html


def test_saving_the_page_unchanged_keeps_the_definition(
    centre: Client, draft: FormVersion
) -> None:
    """The page sent back as shown writes the same definition."""
    before = definition_of(draft)
    response = centre.post(edit_url(draft), page_data(centre.get(edit_url(draft))))
    assert response.status_code == 302, errors_of(response)
    assert response["Location"] == reverse("reports:version", kwargs={"pk": draft.pk})
    assert definition_of(FormVersion.objects.get(pk=draft.pk)) == before


def test_rows_are_added_without_saving(centre: Client, draft: FormVersion) -> None:
    """«Add» shows the page again with one more blank row of its kind and what was
    typed, and saves nothing."""
    data = page_data(centre.get(edit_url(draft)))
    data["name_en"] = "Typed, not saved"
    before = state()
    for kind, count in (("sections", 4), ("indicators", 12), ("rules", 3)):
        response = centre.post(edit_url(draft), {**data, "add": kind})
        assert response.status_code == 200
        editor = response.context["editor"]
        formset = {"sections": editor.sections, "indicators": editor.indicators}.get(
            kind, editor.rules
        )
        assert len(formset.forms) == count
        assert editor.names["name_en"].value() == "Typed, not saved"
        html = response.content.decode()
        assert "This field is required" not in html
        assert "Nothing is saved: correct" not in html
    assert state() == before


def test_a_draft_is_edited_row_by_row(centre: Client, draft: FormVersion) -> None:
    """Renaming the form, a new section, an indicator moved into it and a new one,
    a formula, an indicator and a rule removed, sections reordered: all saved
    together, in the order of the numbers."""
    data = page_data(centre.get(edit_url(draft)))
    data = page_data(centre.post(edit_url(draft), {**data, "add": "sections"}))
    data = page_data(centre.post(edit_url(draft), {**data, "add": "indicators"}))
    data["name_en"] = "Legal work"
    data.update(
        {
            "sections-3-code": "money",
            "sections-3-name_ru": "Деньги",
            "sections-3-name_kk": "Ақша",
            "sections-3-name_en": "Money",
            "sections-3-ORDER": "1",
            "sections-0-ORDER": "2",
            "sections-1-ORDER": "3",
            "sections-2-ORDER": "4",
        }
    )
    recovered = row_of(data, "indicators", "code", "recovered_amount")
    data[f"{recovered}-section"] = "3"
    data.update(
        {
            "indicators-11-section": "3",
            "indicators-11-code": "disputes_total",
            "indicators-11-name_ru": "Всего споров",
            "indicators-11-name_kk": "Барлық даулар",
            "indicators-11-name_en": "Disputes in all",
            "indicators-11-value_type": "count",
            "indicators-11-source": "formula",
            "indicators-11-formula": "disputes_conciliation + disputes_court",
        }
    )
    data[f"{row_of(data, 'indicators', 'code', 'lawyers')}-DELETE"] = "on"
    data[f"{row_of(data, 'rules', 'code', 'remedied_within_found')}-DELETE"] = "on"
    response = centre.post(edit_url(draft), data)
    assert response.status_code == 302, errors_of(response)

    saved = definition_of(FormVersion.objects.get(pk=draft.pk))
    assert saved["name"]["en"] == "Legal work"
    assert [s["code"] for s in saved["sections"]] == [
        "money",
        "appeals",
        "disputes",
        "inspections",
    ]
    assert [i["code"] for i in saved["sections"][0]["indicators"]] == [
        "recovered_amount",
        "disputes_total",
    ]
    assert saved["sections"][0]["indicators"][1]["formula"] == (
        "disputes_conciliation + disputes_court"
    )
    assert [i["code"] for i in saved["sections"][1]["indicators"]] == [
        "appeals",
        "consultations",
    ]
    assert [r["code"] for r in saved["rules"]] == ["won_within_disputes"]
    assert legal().name_en == "Legal work"
    published = latest_published(legal())
    assert published is not None and published.number == 1
    assert len(definition_of(published)["sections"]) == 3


# Refusals on the editor: shown with what was typed, nothing saved


def _spoil_formula(data: dict[str, Any]) -> str:
    row = row_of(data, "indicators", "code", "disputes_won")
    data[f"{row}-source"] = "formula"
    data[f"{row}-formula"] = "disputes_court + disputes_lost"
    return "disputes_court + disputes_lost"


def _circle(data: dict[str, Any]) -> str:
    won = row_of(data, "indicators", "code", "disputes_won")
    court = row_of(data, "indicators", "code", "disputes_court")
    data[f"{won}-source"] = data[f"{court}-source"] = "formula"
    data[f"{won}-formula"] = "disputes_court + reinstated"
    data[f"{court}-formula"] = "disputes_won"
    return "disputes_court + reinstated"


def _no_kazakh_name(data: dict[str, Any]) -> str:
    row = row_of(data, "indicators", "code", "appeals")
    data[f"{row}-name_kk"] = ""
    data[f"{row}-name_en"] = "Appeals, typed anew"
    return "Appeals, typed anew"


def _twice(data: dict[str, Any]) -> str:
    data[f"{row_of(data, 'indicators', 'code', 'consultations')}-code"] = "appeals"
    data["name_en"] = "Typed before the fault"
    return "Typed before the fault"


def _twice_section(data: dict[str, Any]) -> str:
    data["sections-2-code"] = "appeals"
    data["sections-2-name_en"] = "Control, typed anew"
    return "Control, typed anew"


def _twice_rule(data: dict[str, Any]) -> str:
    data["rules-1-code"] = "won_within_disputes"
    return "won_within_disputes"


def _bad_code(data: dict[str, Any]) -> str:
    data[f"{row_of(data, 'indicators', 'code', 'violations')}-code"] = "Violations-1"
    return "Violations-1"


def _formula_of_entered(data: dict[str, Any]) -> str:
    row = row_of(data, "indicators", "code", "violations")
    data[f"{row}-formula"] = "inspections + appeals"
    return "inspections + appeals"


def _registry_without_figure(data: dict[str, Any]) -> str:
    row = row_of(data, "indicators", "code", "violations")
    data[f"{row}-source"] = "registry"
    data[f"{row}-name_ru"] = "Нарушения, набрано заново"
    return "Нарушения, набрано заново"


def _ratio_in_rule(data: dict[str, Any]) -> str:
    data["rules-0-right"] = "disputes_court / appeals"
    return "disputes_court / appeals"


def _unknown_code_in_rule(data: dict[str, Any]) -> str:
    data["rules-0-left"] = "disputes_lost"
    return "disputes_lost"


def _removed_section(data: dict[str, Any]) -> str:
    data["sections-2-DELETE"] = "on"
    data["sections-1-name_kk"] = "Даулар, қайта терілген"
    return "Даулар, қайта терілген"


def _text_computed(data: dict[str, Any]) -> str:
    row = row_of(data, "indicators", "code", "violations")
    data[f"{row}-value_type"] = "text"
    data[f"{row}-source"] = "registry"
    data[f"{row}-measure"] = "members"
    data[f"{row}-name_en"] = "Violations, typed anew"
    return "Violations, typed anew"


def _no_name(data: dict[str, Any]) -> str:
    data["name_kk"] = " "
    data["rules-0-message_en"] = "Typed before the fault"
    return "Typed before the fault"


EDITOR_REFUSALS = [
    ("unknown code in a formula", _spoil_formula, "uses «disputes_lost»"),
    ("circular formulas", _circle, "depends on itself"),
    ("missing Kazakh name", _no_kazakh_name, "This field is required."),
    ("duplicate indicator code", _twice, "This code is used twice."),
    ("duplicate section code", _twice_section, "This code is used twice."),
    ("duplicate rule code", _twice_rule, "This code is used twice."),
    ("malformed code", _bad_code, "Use small Latin letters"),
    ("formula of an entered figure", _formula_of_entered, "has a formula"),
    ("registry without its figure", _registry_without_figure, "Choose what the"),
    ("ratio in a rule", _ratio_in_rule, "Only sums of indicators"),
    ("unknown code in a rule", _unknown_code_in_rule, "uses «disputes_lost»"),
    ("indicators of a removed section", _removed_section, "section is removed"),
    ("a computed text", _text_computed, "A text is entered by the organization"),
    ("the form's name blank", _no_name, "This field is required."),
]


@pytest.mark.parametrize(
    ("spoil", "message"),
    [(spoil, message) for _name, spoil, message in EDITOR_REFUSALS],
    ids=[name for name, _spoil, _message in EDITOR_REFUSALS],
)
def test_a_refused_draft_keeps_what_was_typed_and_saves_nothing(
    centre: Client, draft: FormVersion, spoil: Any, message: str
) -> None:
    """The page comes back with the fault said (by the form or by the service) and
    every input as typed; the draft and the form are as they were."""
    data = page_data(centre.get(edit_url(draft)))
    data["name_en"] = "Legal work, renamed"
    typed = spoil(data)
    before = state()
    response = centre.post(edit_url(draft), data)
    assert response.status_code == 200
    assert message in errors_of(response)
    html = response.content.decode()
    assert message.replace("«", "&laquo;").replace("»", "&raquo;") in html or (
        message in html
    )
    assert "Nothing is saved: correct what is marked" in html
    assert typed in html
    assert page_data(response) == data
    assert state() == before


def test_a_refusal_of_the_service_is_shown_above_the_rows(
    centre: Client, draft: FormVersion
) -> None:
    """A fault only the whole definition shows (an unknown code) is said at the top
    of the page, in the language of the page."""
    data = page_data(centre.get(edit_url(draft)))
    _spoil_formula(data)
    russian = Client(HTTP_ACCEPT_LANGUAGE="ru")
    russian.force_login(User.objects.get(pk=centre.session["_auth_user_id"]))
    response = russian.post(edit_url(draft), data)
    errors = response.context["editor"].names.non_field_errors()
    assert len(errors) == 1
    assert "disputes_lost" in errors[0]
    assert "uses" not in errors[0]


def test_a_published_version_cannot_be_posted_to(centre: Client, tree: Tree) -> None:
    """The editor of a published version is 404, whatever is posted."""
    published = latest_published(legal())
    assert published is not None
    draft = open_draft_version(actor=tree.admin, form=legal())
    data = page_data(centre.get(edit_url(draft)))
    before = state()
    assert centre.post(edit_url(published), data).status_code == 404
    assert state() == before


# Publishing


def test_publishing_freezes_the_draft(
    centre: Client, tree: Tree, draft: FormVersion
) -> None:
    """The publish page says what the version holds; publishing makes it the
    version new campaigns collect, and its page read-only."""
    url = reverse("reports:version-publish", kwargs={"pk": draft.pk})
    page = centre.get(url)
    assert "11 indicators" in page.content.decode()
    assert "2 rules" in page.content.decode()
    response = centre.post(url)
    assert response["Location"] == reverse("reports:version", kwargs={"pk": draft.pk})
    assert latest_published(legal()) == FormVersion.objects.get(pk=draft.pk)
    assert centre.get(edit_url(draft)).status_code == 404
    campaign: Campaign = open_for(tree, legal())
    assert campaign.version_id == draft.pk
    again = centre.post(url)
    assert again.status_code == 200
    assert "A published version cannot be changed" in again.content.decode()


def test_an_empty_draft_is_not_published(centre: Client, draft: FormVersion) -> None:
    """A draft whose indicators were all removed is saved, but publishing it is
    refused with the reason, and it stays a draft."""
    data = page_data(centre.get(edit_url(draft)))
    for key in list(data):
        if key.startswith("indicators-") and key.endswith("-code"):
            data[key.replace("-code", "-DELETE")] = "on"
    data["rules-0-DELETE"] = data["rules-1-DELETE"] = "on"
    assert centre.post(edit_url(draft), data).status_code == 302
    response = centre.post(reverse("reports:version-publish", kwargs={"pk": draft.pk}))
    assert response.status_code == 200
    assert "A form without indicators cannot be published." in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published


def test_a_forged_post_is_refused_without_harm(
    centre: Client, draft: FormVersion
) -> None:
    """An empty body, or row counts beyond what a page can hold, are refused on
    the page (at most 300 rows of a kind are read) and change nothing."""
    before = state()
    empty = centre.post(edit_url(draft), {})
    assert empty.status_code == 200
    assert "Nothing is saved: correct" in empty.content.decode()
    data = page_data(centre.get(edit_url(draft)))
    data["indicators-TOTAL_FORMS"] = "1000000"
    data["rules-1-comparison"] = "=>"
    forged = centre.post(edit_url(draft), data)
    assert forged.status_code == 200
    assert len(forged.context["editor"].indicators.forms) <= 300
    assert "Select a valid choice" in errors_of(forged)
    assert state() == before
