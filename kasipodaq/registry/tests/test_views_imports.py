"""The import pages: upload, columns, progress and result, report, list — and who
may reach them."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kasipodaq.access.perms import Role
from kasipodaq.registry.imports.progress import remember_progress
from kasipodaq.registry.imports.reading import open_table
from kasipodaq.registry.models import (
    ImportJob,
    ImportKind,
    ImportMode,
    ImportProblem,
    ImportStatus,
    Person,
    SavedMapping,
)
from kasipodaq.registry.services.imports import open_import
from kasipodaq.registry.tests.factories import Tree, grant, valid_iin

pytestmark = pytest.mark.django_db

HEADER = [
    "ИИН",
    "Фамилия",
    "Имя",
    "Отчество",
    "Код организации",
    "Категория",
    "Дата вступления",
    "Телефон",
]
BAD_IIN = "123456789012"
BAD_IIN_TEXT = "the IIN's seventh digit must be 1–6"


@pytest.fixture
def client(client: Any) -> Any:
    """A browser that asks for English, so messages can be compared."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def chair(tree: Tree) -> Any:
    """The chair of the first district (primaries 0 and 1)."""
    return grant(Role.CHAIR, tree.districts[0])


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def line(iin: str, org: str, *, last: str = "Ахметова", first: str = "Айгуль") -> str:
    return ";".join(
        [iin, last, first, "Сериковна", org, "работающий", "01.09.2015", ""]
    )


def csv_bytes(lines: list[str], header: list[str] = HEADER) -> bytes:
    return ("\n".join([";".join(header), *lines]) + "\n").encode()


def upload(
    client: Any, content: bytes, *, name: str = "members.csv", kind: str = "members"
) -> Any:
    return client.post(
        reverse("imports:upload"),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def open_job(user: Any, lines: list[str], tmp_path: Path, **kwargs: Any) -> ImportJob:
    """A new job of a member file, opened through the service."""
    path = tmp_path / "members.csv"
    path.write_bytes(csv_bytes(lines, **kwargs))
    return open_import(actor=user, kind="members", source=path, original_name=path.name)


def column_data(job: ImportJob, **changes: str) -> dict[str, str]:
    """The columns form as proposed for the job, with `changes` by column name."""
    by_column = {column: field for field, column in job.mapping.items()}
    data = {f"column_{i}": by_column.get(i, "") for i in range(len(job.headers))} | {
        "mode": ImportMode.ALL_OR_NOTHING,
        "save_as": "",
    }
    data.update(changes)
    return data


def confirm(client: Any, job: ImportJob, capture: Any, **changes: str) -> Any:
    """Post the columns form; the import runs after commit, as in production."""
    with capture(execute=True):
        return client.post(
            reverse("imports:columns", kwargs={"pk": job.pk}),
            column_data(job, **changes),
        )


# Upload


def test_upload_offers_the_kinds_the_user_may_import(client: Any, tree: Tree) -> None:
    """A district chair imports members and organizations; a primary chair, members."""
    client.force_login(grant(Role.CHAIR, tree.districts[0]))
    kinds = client.get(reverse("imports:upload")).context["form"].fields["kind"]
    assert [value for value, _label in kinds.choices] == ["members", "orgs"]
    client.force_login(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    response = client.get(reverse("imports:upload"), {"kind": "members"})
    form = response.context["form"]
    assert [value for value, _label in form.fields["kind"].choices] == ["members"]
    assert form["kind"].value() == "members"
    assert 'accept=".xlsx,.xls,.ods,.csv"' in response.content.decode()


def test_a_good_file_opens_a_job_and_leads_to_its_columns(
    client: Any, tree: Tree, chair: Any
) -> None:
    """The upload keeps the file for its maker and sends them to its columns."""
    client.force_login(chair)
    content = csv_bytes([line(valid_iin(), tree.primaries[0].code)])
    response = upload(client, content)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:columns", kwargs={"pk": job.pk})
    assert (job.created_by, job.kind, job.status) == (chair, "members", "new")
    assert job.original_name == "members.csv"
    assert job.headers == HEADER
    assert Path(job.file_path).read_bytes() == content


def test_a_large_upload_streams_through_a_temporary_file(
    client: Any, tree: Tree, chair: Any, settings: Any
) -> None:
    """A file above the in-memory limit goes to a temporary file and is kept whole."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    lines = [line(valid_iin(), tree.primaries[0].code) for _ in range(200)]
    content = csv_bytes(lines)
    assert len(content) > 10 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    client.force_login(chair)
    assert upload(client, content).status_code == 302
    assert Path(ImportJob.objects.get().file_path).read_bytes() == content


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty"),
        (b"PK\x03\x04" + b"\x00" * 200, "broken.xlsx", "damaged or incomplete"),
        ("ИИН;Фамилия\n".encode(), "header.csv", "no data rows"),
    ],
    ids=["empty", "damaged", "header-only"],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_form(
    client: Any,
    tree: Tree,
    chair: Any,
    settings: Any,
    content: bytes,
    name: str,
    message: str,
) -> None:
    """The form comes back with the reason at the file, and no job is kept."""
    client.force_login(chair)
    response = upload(client, content, name=name)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in error for error in errors), errors
    assert message in page_text(response)
    assert not ImportJob.objects.exists()
    assert not list((Path(settings.DATA_DIR) / "imports").glob("*"))


def test_a_user_who_may_import_nothing_gets_404(client: Any, tree: Tree) -> None:
    """Without the right to manage members or organizations anywhere, the upload
    page answers 404, like any page out of the user's reach, and keeps no file."""
    client.force_login(grant(Role.ACCOUNTANT, tree.districts[0]))
    assert client.get(reverse("imports:upload")).status_code == 404
    content = csv_bytes([line(valid_iin(), tree.primaries[0].code)])
    assert upload(client, content).status_code == 404
    assert not ImportJob.objects.exists()
    listed = client.get(reverse("imports:list"))
    assert listed.status_code == 200
    assert reverse("imports:upload") not in page_text(listed)


def test_a_primary_chair_cannot_upload_an_organization_file(
    client: Any, tree: Tree
) -> None:
    """A kind the user may not import is not a valid choice."""
    client.force_login(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    response = upload(client, b"Code;Parent\nX;Y\n", kind="orgs")
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not ImportJob.objects.exists()


def test_pages_require_signing_in(client: Any) -> None:
    """An anonymous visitor is sent to sign in."""
    for url in (reverse("imports:list"), reverse("imports:upload")):
        assert client.get(url).status_code == 302


# Someone else's job


def _job_pages() -> list[str]:
    namespace = next(
        r
        for r in get_resolver().url_patterns
        if isinstance(r, URLResolver) and r.namespace == "imports"
    )
    names = []
    for pattern in namespace.url_patterns:
        assert isinstance(pattern, URLPattern)
        if "pk" in pattern.pattern.converters:
            names.append(f"imports:{pattern.name}")
    return names


JOB_PAGES = _job_pages()


def test_every_job_page_is_asked() -> None:
    """The case below covers every page about a job."""
    assert set(JOB_PAGES) >= {
        "imports:detail",
        "imports:columns",
        "imports:progress",
        "imports:run",
        "imports:report",
    }


@pytest.mark.parametrize("name", JOB_PAGES)
@pytest.mark.parametrize("status", [ImportStatus.NEW, ImportStatus.REJECTED])
def test_another_users_job_is_404_like_a_missing_one(
    client: Any, tree: Tree, chair: Any, tmp_path: Path, name: str, status: str
) -> None:
    """Even a user of the same district, or the central administrator, gets 404 for
    a job they did not make, with the answer of a job that does not exist, and the
    job does not change."""
    job = open_job(chair, [line(BAD_IIN, tree.primaries[0].code)], tmp_path)
    ImportJob.objects.filter(pk=job.pk).update(status=status, rows_rejected=1)
    ImportProblem.objects.create(job=job, row_number=2, field="iin", code="x")
    before = list(ImportJob.objects.values())
    missing = reverse(name, kwargs={"pk": job.pk + 1000})
    url = reverse(name, kwargs={"pk": job.pk})
    data = {**column_data(job), "mode": ImportMode.VALID_ROWS}
    for other in (grant(Role.CHAIR, tree.districts[0]), tree.admin):
        client.force_login(other)
        # A page that takes only POST answers a GET with 405, whatever the job.
        not_found = client.get(missing)
        assert not_found.status_code in (404, 405)
        response = client.get(url)
        assert response.status_code == not_found.status_code, (other, url)
        assert response.content == not_found.content
        refused = client.post(url, data)
        assert refused.status_code in (404, 405)
        assert refused.status_code == client.post(missing, data).status_code
    assert list(ImportJob.objects.values()) == before
    assert not SavedMapping.objects.exists()


# The columns


def test_the_columns_page_shows_each_column_its_first_rows_and_the_proposal(
    client: Any, tree: Tree, chair: Any, tmp_path: Path
) -> None:
    """Every column has a choice set to the guessed field, beside the first five data
    rows; the required fields are listed as placed."""
    iins = [valid_iin() for _ in range(7)]
    job = open_job(chair, [line(i, tree.primaries[0].code) for i in iins], tmp_path)
    client.force_login(chair)
    response = client.get(reverse("imports:columns", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c.header for c in columns] == HEADER
    assert [c.letter for c in columns[:3]] == ["A", "B", "C"]
    assert [c.choice.value() for c in columns] == [
        "iin",
        "last_name",
        "first_name",
        "patronymic",
        "org_code",
        "category",
        "joined_on",
        "phone",
    ]
    assert columns[0].samples == iins[:5]
    assert response.context["sample_rows"] == [2, 3, 4, 5, 6]
    assert all(item.header for item in response.context["required"])
    text = page_text(response)
    assert "IIN *" in text and "Phone *" not in text
    assert "— not imported —" in text
    assert iins[5] not in text


def test_confirming_the_columns_runs_the_import_and_shows_the_result(
    client: Any,
    tree: Tree,
    chair: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The import runs with the chosen columns; the page shows what it wrote."""
    iin = valid_iin()
    job = open_job(chair, [line(iin, tree.primaries[0].code)], tmp_path)
    client.force_login(chair)
    response = confirm(client, job, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == reverse("imports:detail", kwargs={"pk": job.pk})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Person.objects.get().iin == iin
    result = client.get(response.url)
    assert dict(result.context["result"])["People added"] == 1
    text = page_text(result)
    assert "Imported" in text
    assert "Membership periods added" in text
    assert reverse("imports:report", kwargs={"pk": job.pk}) not in text
    # The columns page of a job that has run shows its result instead.
    again = client.get(reverse("imports:columns", kwargs={"pk": job.pk}))
    assert again.url == result.request["PATH_INFO"]


def test_a_refused_mapping_comes_back_with_every_choice_kept(
    client: Any,
    tree: Tree,
    chair: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A mapping without the IIN is refused at the IIN; the columns, the mode and the
    name typed are as the user left them, and nothing runs or is saved."""
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    client.force_login(chair)
    response = confirm(
        client,
        job,
        django_capture_on_commit_callbacks,
        column_0="",
        column_7="email",
        mode=ImportMode.CHECK,
        save_as="Мой формат",
    )
    assert response.status_code == 200
    required = {item.field: item for item in response.context["required"]}
    assert required["iin"].error == "Choose the column that holds «IIN»."
    assert required["iin"].header is None
    form = response.context["form"]
    assert form["column_0"].value() == ""
    assert form["column_7"].value() == "email"
    assert form["mode"].value() == ImportMode.CHECK
    assert form["save_as"].value() == "Мой формат"
    text = page_text(response)
    assert "Choose the column that holds «IIN»." in text
    assert 'value="check" checked' in text
    job.refresh_from_db()
    assert job.status == ImportStatus.NEW
    assert not SavedMapping.objects.exists()


def test_a_field_chosen_for_two_columns_is_refused_at_the_second(
    client: Any,
    tree: Tree,
    chair: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    client.force_login(chair)
    response = confirm(
        client, job, django_capture_on_commit_callbacks, column_7="last_name"
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["column_7"]
    assert "«last name» is already chosen for column B." in errors["column_7"]
    job.refresh_from_db()
    assert job.status == ImportStatus.NEW


def test_a_saved_mapping_is_kept_and_laid_onto_another_file_by_header(
    client: Any,
    tree: Tree,
    chair: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A mapping saved under a name is offered for the next file of that kind and
    places each field on the column of the same header, wherever it moved."""
    school = tree.primaries[0].code
    first = open_job(chair, [line(valid_iin(), school)], tmp_path)
    client.force_login(chair)
    # The phone column is not imported in this source's mapping.
    confirm(
        client,
        first,
        django_capture_on_commit_callbacks,
        column_7="",
        mode=ImportMode.CHECK,
        save_as="Карагандинский формат",
    )
    saved = SavedMapping.objects.get()
    assert (saved.owner, saved.name, saved.kind) == (
        chair,
        "Карагандинский формат",
        "members",
    )

    # The next file puts the phone first and adds a column; its guess maps the phone.
    moved = ["Телефон", "Примечание", *HEADER[:-1]]
    second = open_job(
        chair,
        [";".join(["", "", *line(valid_iin(), school).split(";")[:-1]])],
        tmp_path,
        header=moved,
    )
    assert second.mapping["phone"] == 0
    url = reverse("imports:columns", kwargs={"pk": second.pk})
    page = client.get(url)
    assert [m.name for m in page.context["saved_mappings"]] == [saved.name]
    applied = client.get(url, {"saved": saved.pk})
    assert applied.context["applied_pk"] == saved.pk
    choices = [c.choice.value() for c in applied.context["columns"]]
    assert choices == [
        "",
        "",
        "iin",
        "last_name",
        "first_name",
        "patronymic",
        "org_code",
        "category",
        "joined_on",
    ]
    # Someone else's saved mapping, or one of another kind, is not there.
    assert tree.admin is not None
    other = SavedMapping.objects.create(
        owner=tree.admin, kind="members", name="x", headers=HEADER, mapping={}
    )
    assert client.get(url, {"saved": other.pk}).status_code == 404
    orgs = SavedMapping.objects.create(
        owner=chair, kind="orgs", name="y", headers=HEADER, mapping={}
    )
    assert client.get(url, {"saved": orgs.pk}).status_code == 404


def test_an_organization_file_is_mapped_onto_organization_fields(
    client: Any, tree: Tree, chair: Any
) -> None:
    """The columns page of an organization file offers the organization fields."""
    client.force_login(chair)
    content = (
        "Код;Код вышестоящей;Уровень;Наименование;Атауы\nA1;X;primary;Школа;Мектеп\n"
    )
    assert upload(client, content.encode(), name="orgs.csv", kind="orgs").status_code
    job = ImportJob.objects.get()
    assert job.kind == ImportKind.ORGS
    response = client.get(reverse("imports:columns", kwargs={"pk": job.pk}))
    columns = response.context["columns"]
    assert [c.choice.value() for c in columns] == [
        "code",
        "parent_code",
        "level",
        "name_ru",
        "name_kk",
    ]
    assert "Parent code *" in page_text(response)
    assert "IIN" not in [label for _v, label in columns[0].choice.field.choices]


# Progress


def _running(job: ImportJob, *, phase: str, rows_read: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, phase=phase, rows_read=rows_read
    )


def test_the_page_of_a_running_job_polls_its_progress(
    client: Any, tree: Tree, chair: Any, tmp_path: Path
) -> None:
    """While a job runs its page shows the phase and the rows read, asks for them
    every second, and reloads itself without JavaScript."""
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    _running(job, phase="checking", rows_read=125000)
    client.force_login(chair)
    progress = reverse("imports:progress", kwargs={"pk": job.pk})
    response = client.get(reverse("imports:detail", kwargs={"pk": job.pk}))
    text = page_text(response)
    assert f'hx-get="{progress}" hx-trigger="every 1s"' in text
    assert '<noscript><meta http-equiv="refresh"' in text
    assert "Checking the rows" in text
    assert "125,000 rows read" in text

    partial = client.get(progress, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "125,000 rows read" in page_text(partial)
    _running(job, phase="writing", rows_read=125001)
    assert "Writing to the registry" in page_text(
        client.get(progress, headers={"HX-Request": "true"})
    )


def test_the_progress_of_a_job_writing_in_its_transaction_is_read_from_the_cache(
    client: Any, tree: Tree, chair: Any, tmp_path: Path
) -> None:
    """The worker reports the phase to the cache too: its job row, written in the
    import's transaction, says nothing new until commit."""
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    _running(job, phase="checking", rows_read=10)
    remember_progress(job.pk, "writing", 1_000_000)
    client.force_login(chair)

    partial = client.get(
        reverse("imports:progress", kwargs={"pk": job.pk}),
        headers={"HX-Request": "true"},
    )

    assert "Writing to the registry" in page_text(partial)
    assert "1,000,000 rows read" in page_text(partial)


def test_the_progress_partial_reloads_the_page_once_the_job_ends(
    client: Any, tree: Tree, chair: Any, tmp_path: Path
) -> None:
    """A finished job answers the poll with a refresh; a plain request is sent to
    the job's page."""
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKED)
    client.force_login(chair)
    progress = reverse("imports:progress", kwargs={"pk": job.pk})
    polled = client.get(progress, headers={"HX-Request": "true"})
    assert polled.headers["HX-Refresh"] == "true"
    plain = client.get(progress)
    assert plain.url == reverse("imports:detail", kwargs={"pk": job.pk})
    detail = client.get(plain.url)
    assert 'hx-trigger="every 1s"' not in detail.content.decode()
    assert "refresh" not in detail.content.decode().split("</head>")[0]


# Result, problems, report


def _rejected_job(
    client: Any, tree: Tree, user: Any, tmp_path: Path, capture: Any, bad: int
) -> ImportJob:
    school = tree.primaries[0].code
    lines = [line(valid_iin(), school, last="Годная")]
    lines += [line(BAD_IIN, school) for _ in range(bad)]
    job = open_job(user, lines, tmp_path)
    client.force_login(user)
    confirm(client, job, capture)
    job.refresh_from_db()
    assert job.status == ImportStatus.REJECTED
    return job


def test_the_problems_are_listed_fifty_to_a_page_in_the_readers_language(
    client: Any,
    tree: Tree,
    chair: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = _rejected_job(
        client, tree, chair, tmp_path, django_capture_on_commit_callbacks, bad=60
    )
    url = reverse("imports:detail", kwargs={"pk": job.pk})
    first = client.get(url)
    problems = first.context["problems"]
    assert len(problems.object_list) == 50
    assert problems.paginator.count == 60
    assert problems.object_list[0].row_number == 3
    assert problems.object_list[0].text == (
        f"«ИИН»: {BAD_IIN_TEXT} (century of birth and sex)."
    )
    text = page_text(first)
    assert "Rejected: nothing was written" in text
    assert "?page=2" in text
    second = client.get(url, {"page": 2})
    assert [p.row_number for p in second.context["problems"]] == list(range(53, 63))
    russian = client.get(url, headers={"Accept-Language": "ru"})
    assert "«ИИН»: седьмая цифра ИИН должна быть от 1 до 6" in page_text(russian)


def test_the_report_downloads_the_refused_rows_with_their_problems(
    client: Any,
    tree: Tree,
    chair: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = _rejected_job(
        client, tree, chair, tmp_path, django_capture_on_commit_callbacks, bad=2
    )
    response = client.get(reverse("imports:report", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="import-{job.pk}-errors.xlsx"'
    )
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"".join(response.streaming_content))
    report = open_table(target)
    assert report.headers == ["Row", *HEADER, "Problems"]
    rows = list(report.rows())
    assert [row.values[0] for row in rows] == ["3", "4"]
    assert rows[0].values[1] == BAD_IIN
    assert BAD_IIN_TEXT in rows[0].values[-1]


def test_a_job_without_refused_rows_has_no_report(
    client: Any, tree: Tree, chair: Any, tmp_path: Path
) -> None:
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKED)
    client.force_login(chair)
    assert client.get(reverse("imports:report", kwargs={"pk": job.pk})).status_code == (
        404
    )


def test_a_rejected_file_imports_its_valid_rows_only_when_asked(
    client: Any,
    tree: Tree,
    chair: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The result of a rejected file offers its valid rows only; taking it writes
    them and lists the rows left out."""
    job = _rejected_job(
        client, tree, chair, tmp_path, django_capture_on_commit_callbacks, bad=1
    )
    url = reverse("imports:detail", kwargs={"pk": job.pk})
    page = client.get(url)
    assert page.context["rerun_modes"] == [ImportMode.VALID_ROWS]
    assert "Import the valid rows only" in page_text(page)
    assert not Person.objects.exists()
    run = reverse("imports:run", kwargs={"pk": job.pk})
    # Importing it whole is not offered, and asking for it changes nothing.
    refused = client.post(run, {"mode": ImportMode.ALL_OR_NOTHING}, follow=True)
    assert "cannot run that way now" in page_text(refused)
    assert not Person.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(run, {"mode": ImportMode.VALID_ROWS})
    assert response.url == url
    job.refresh_from_db()
    assert (job.status, job.mode, job.rows_rejected) == ("done", "valid_rows", 1)
    assert list(Person.objects.values_list("last_name", flat=True)) == ["Годная"]
    done = client.get(url)
    assert done.context["rerun_modes"] == []
    assert [p.row_number for p in done.context["problems"]] == [3]
    assert reverse("imports:report", kwargs={"pk": job.pk}) in page_text(done)


def test_a_checked_file_is_imported_when_asked(
    client: Any,
    tree: Tree,
    chair: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    client.force_login(chair)
    confirm(client, job, django_capture_on_commit_callbacks, mode=ImportMode.CHECK)
    url = reverse("imports:detail", kwargs={"pk": job.pk})
    page = client.get(url)
    assert page.context["rerun_modes"] == [ImportMode.ALL_OR_NOTHING]
    assert "Import now" in page_text(page)
    assert not Person.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("imports:run", kwargs={"pk": job.pk}),
            {"mode": ImportMode.ALL_OR_NOTHING},
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Person.objects.count() == 1
    # Done is done: running it again is refused and changes nothing.
    again = client.post(
        reverse("imports:run", kwargs={"pk": job.pk}),
        {"mode": ImportMode.ALL_OR_NOTHING},
        follow=True,
    )
    assert "cannot run that way now" in page_text(again)


def test_a_failed_job_shows_why(
    client: Any, tree: Tree, chair: Any, tmp_path: Path
) -> None:
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, error="Nothing was written: the file vanished."
    )
    client.force_login(chair)
    response = client.get(reverse("imports:detail", kwargs={"pk": job.pk}))
    assert "Nothing was written: the file vanished." in page_text(response)
    assert response.context["rerun_modes"] == []


# The list and the links to it


def test_the_list_shows_the_users_own_jobs_in_constant_queries(
    client: Any, tree: Tree, chair: Any, tmp_path: Path
) -> None:
    """Only one's own imports are listed, newest first; 30 cost what 3 do."""
    school = tree.primaries[0].code
    open_job(tree.admin, [line(valid_iin(), school)], tmp_path)
    client.force_login(chair)
    url = reverse("imports:list")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    mine = [open_job(chair, [line(valid_iin(), school)], tmp_path) for _ in range(3)]
    few = count_queries()
    mine += [open_job(chair, [line(valid_iin(), school)], tmp_path) for _ in range(27)]
    response = client.get(url)
    assert [job.pk for job in response.context["page"]] == [
        job.pk for job in reversed(mine)
    ]
    assert count_queries() == few
    assert reverse("imports:detail", kwargs={"pk": mine[0].pk}) in page_text(response)


def test_the_list_is_paginated(
    client: Any, tree: Tree, chair: Any, tmp_path: Path
) -> None:
    job = open_job(chair, [line(valid_iin(), tree.primaries[0].code)], tmp_path)
    fields = {f.name: getattr(job, f.name) for f in ImportJob._meta.concrete_fields} | {
        "id": None
    }
    ImportJob.objects.bulk_create([ImportJob(**fields) for _ in range(50)])
    client.force_login(chair)
    first = client.get(reverse("imports:list"))
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("imports:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 1


def test_the_menu_and_the_member_list_lead_to_imports(client: Any, tree: Tree) -> None:
    """Those who manage members find the imports in the menu and on the member list;
    an accountant finds neither."""
    client.force_login(grant(Role.PRIMARY_CHAIR, tree.primaries[0]))
    text = page_text(client.get(reverse("members:list")))
    assert f'href="{reverse("imports:list")}"' in text
    assert f'href="{reverse("imports:upload")}?kind=members"' in text
    client.force_login(grant(Role.ACCOUNTANT, tree.districts[0]))
    text = page_text(client.get(reverse("members:list")))
    assert reverse("imports:list") not in text
    assert reverse("imports:upload") not in text
