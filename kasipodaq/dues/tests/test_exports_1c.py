"""The export for the accounting system: CSV and 1C's bank exchange file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from kasipodaq.access.perms import Role
from kasipodaq.audit.models import AuditAction, AuditEvent
from kasipodaq.dues.exports_1c import build_export
from kasipodaq.dues.models import PaymentMethod
from kasipodaq.dues.services.company_fees import record_company_payment
from kasipodaq.dues.services.transfers import record_transfer
from kasipodaq.registry.models import Person
from kasipodaq.registry.tests.factories import Tree, grant

from .ledger_data import pay, regulation

MAR, MAY = dt.date(2026, 3, 1), dt.date(2026, 5, 1)
IBAN = "KZ86125KZT5004100100"
NOW = dt.datetime(2026, 5, 2, 9, 30, tzinfo=dt.UTC)


def read_1c(content: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The header and the documents of a 1CClientBankExchange file; fails on
    anything the format does not allow."""
    text = content.decode("cp1251")
    lines = text.split("\r\n")
    assert lines[0] == "1CClientBankExchange"
    assert lines[-2:] == ["КонецФайла", ""]
    header: dict[str, str] = {}
    documents: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[1:-2]:
        key, sep, value = line.partition("=")
        if key == "СекцияДокумент":
            assert current is None
            current = {"СекцияДокумент": value}
        elif key == "КонецДокумента":
            assert current is not None and not sep
            documents.append(current)
            current = None
        else:
            assert sep, line
            (header if current is None else current)[key] = value
    assert current is None
    return header, documents


@pytest.fixture
def books(tree: Tree) -> Tree:
    """A school with two members' payments (a Kazakh name among them) and a
    transfer to its district, in March and April."""
    regulation(tree)
    school = tree.primaries[0]
    kazakh = tree.admit(school, last_name="Әбілқасымова", first_name="Гүлнұр").person
    other = tree.admit(school, last_name="=SUM(A1)", first_name="Ivan").person
    pay(kazakh, 1_500_50, dt.date(2026, 3, 5), month=dt.date(2026, 3, 1))
    pay(other, 700_00, dt.date(2026, 4, 30), method=PaymentMethod.PAYROLL)
    pay(other, 1_00, dt.date(2026, 5, 1))  # after the period
    record_transfer(
        actor=None,
        from_unit=school,
        to_unit=tree.districts[0],
        amount_tiyn=200_00,
        transferred_on=dt.date(2026, 4, 10),
        order_number="PP-12",
        note="март",
    )
    return tree


def _march_and_april_1c(unit: Any) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The unit's 1C file of March and April, with the account, read back."""
    return read_1c(
        build_export(
            unit=unit,
            start=MAR,
            end=MAY,
            file_format="1c",
            account=IBAN,
            created_at=NOW,
        )
    )


def test_the_1c_file_reads_back_in_windows_1251(books: Tree) -> None:
    tree = books
    header, documents = _march_and_april_1c(tree.primaries[0])
    assert header["ВерсияФормата"] == "1.03"
    assert header["Кодировка"] == "Windows"
    assert (header["ДатаНачала"], header["ДатаКонца"]) == ("01.03.2026", "30.04.2026")
    assert header["ДатаСоздания"] == "02.05.2026"
    assert header["РасчСчет"] == IBAN
    assert [d["Сумма"] for d in documents] == ["1500.50", "200.00", "700.00"]
    first, transfer, second = documents
    kazakh = Person.objects.get(last_name="Әбілқасымова")
    # Kazakh letters windows-1251 lacks are written as the nearest Russian ones;
    assert first["Плательщик"] == "Абілкасымова Гулнур"  # і is in it
    assert first["ПлательщикИНН"] == kazakh.iin
    assert (first["ПолучательСчет"], first["ПлательщикСчет"]) == (IBAN, "")
    assert first["ДатаПоступило"] == "05.03.2026" and first["ДатаСписано"] == ""
    assert first["Дата"] == "05.03.2026"
    assert "03.2026" in first["НазначениеПлатежа"]
    assert transfer["Номер"] == "PP-12"
    assert (transfer["ПлательщикСчет"], transfer["ПолучательСчет"]) == (IBAN, "")
    assert transfer["ДатаСписано"] == "10.04.2026"
    assert transfer["Получатель"] == tree.districts[0].name_ru
    assert transfer["НазначениеПлатежа"].endswith("март")
    assert second["Плательщик"] == "=SUM(A1) Ivan"  # 1C reads no formulas
    assert all(d["СекцияДокумент"] == "Платежное поручение" for d in documents)


def test_the_csv_opens_in_excel_with_semicolons_and_decimal_commas(books: Tree) -> None:
    tree = books
    content = build_export(
        unit=tree.primaries[0], start=MAR, end=MAY, file_format="csv", created_at=NOW
    )
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4
    assert rows[1][0] == "05.03.2026"
    assert rows[1][3] == "Әбілқасымова Гүлнұр"  # UTF-8 keeps every letter
    assert (rows[1][6], rows[1][7]) == ("1500,50", "")
    assert (rows[2][1], rows[2][6], rows[2][7]) == ("PP-12", "", "200,00")
    assert rows[3][3] == "'=SUM(A1) Ivan"  # no formula runs when opened
    assert b"\r\n" in content


def test_a_district_exports_only_its_transfers(books: Tree) -> None:
    tree = books
    content = build_export(
        unit=tree.districts[0], start=MAR, end=MAY, file_format="1c", created_at=NOW
    )
    _header, documents = read_1c(content)
    assert [(d["Номер"], d["ДатаПоступило"]) for d in documents] == [
        ("PP-12", "10.04.2026")
    ]


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_download_is_scoped_and_leaves_an_audit_event(books: Tree) -> None:
    tree = books
    url = reverse("dues:export", args=[tree.primaries[0].pk])
    query = {
        "from": "2026-03",
        "to": "2026-04",
        "format": "1c",
        "account": "kz86 125K ZT50 0410 0100",
    }
    accountant = grant(Role.ACCOUNTANT, tree.districts[0])
    response = _signed_in(accountant).get(url, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=windows-1251"
    assert "dues-" in response["Content-Disposition"]
    header, documents = read_1c(response.content)
    assert header["РасчСчет"] == IBAN
    assert len(documents) == 3
    event = AuditEvent.objects.get(action=AuditAction.DUES_EXPORTED)
    assert event.actor == accountant
    assert event.after is not None and event.after["payments"] == 2
    csv_file = _signed_in(accountant).get(url, {**query, "format": "csv"})
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    assert AuditEvent.objects.filter(action=AuditAction.DUES_EXPORTED).count() == 2
    for user in (
        grant(Role.AUDITOR, tree.primaries[0]),  # reads dues, keeps no books
        grant(Role.ACCOUNTANT, tree.regions[1]),  # another region
    ):
        assert _signed_in(user).get(url, query).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DUES_EXPORTED).count() == 2


def test_a_wrong_query_shows_the_form_and_exports_nothing(books: Tree) -> None:
    tree = books
    client = _signed_in(tree.admin)
    url = reverse("dues:export", args=[tree.primaries[0].pk])
    assert client.get(url).status_code == 200
    for query, message in (
        (
            {"from": "2026-03", "to": "2026-04", "format": "1c", "account": "KZ1"},
            "20 letters",
        ),
        ({"from": "2026-05", "to": "2026-04", "format": "csv"}, "ends before"),
        ({"from": "2026-03", "to": "2026-04", "format": "xml"}, "valid choice"),
    ):
        page = client.get(url, query)
        assert page.status_code == 200
        assert message in page.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.DUES_EXPORTED).exists()


def test_the_command_writes_the_file(books: Tree, tmp_path: Path) -> None:
    tree = books
    target = tmp_path / "march.txt"
    out = io.StringIO()
    call_command(
        "export_dues",
        "--org", tree.primaries[0].code,
        "--from", "2026-03", "--to", "2026-04",
        "--format", "1c", "--account", IBAN,
        "--output", str(target),
        stdout=out,
    )  # fmt: skip
    _header, documents = read_1c(target.read_bytes())
    assert len(documents) == 3
    assert str(target) in out.getvalue()
    event = AuditEvent.objects.get(action=AuditAction.DUES_EXPORTED)
    assert event.actor is None and event.note == str(target)
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command(
            "export_dues", "--org", tree.primaries[0].code, "--from", "March",
            "--to", "2026-04", "--format", "csv", "--output", str(target),
        )  # fmt: skip
    with pytest.raises(CommandError, match="NOPE"):
        call_command(
            "export_dues", "--org", "NOPE", "--from", "2026-03",
            "--to", "2026-04", "--format", "csv", "--output", str(target),
        )  # fmt: skip


def test_a_companys_transfer_is_in_the_file_by_its_bin_and_order(books: Tree) -> None:
    """In an employer association the companies' fees reach the books too."""
    tree = books
    school = tree.primaries[0]
    company = school.employer
    assert company is not None
    record_company_payment(
        actor=None,
        unit=tree.central,
        bin_=company.bin,
        amount_tiyn=250_000_00,
        order_number="77",
        paid_on=dt.date(2026, 4, 20),
    )
    _header, documents = _march_and_april_1c(school)
    (paid,) = [d for d in documents if d["Номер"] == "77"]
    assert (paid["Сумма"], paid["ПлательщикИНН"], paid["Плательщик"]) == (
        "250000.00",
        company.bin,
        company.name_ru,
    )
    assert (paid["ПолучательСчет"], paid["ДатаПоступило"]) == (IBAN, "20.04.2026")
    assert "№77" in paid["НазначениеПлатежа"]
