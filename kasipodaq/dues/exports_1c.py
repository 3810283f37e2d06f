"""A unit's dues money for its accounting system: the payments it received and
the transfers it sent up or received from below, over a period.

Two files: CSV (UTF-8 with a byte order mark, semicolons, decimal commas — what
Excel and 1C users in Kazakhstan and Russia open as is), and 1C's text exchange
with bank clients, `1CClientBankExchange` version 1.03 in windows-1251, which
1C:Accounting imports as bank statement documents. Only the format's documented
keys are written: header (ВерсияФормата, Кодировка, Отправитель, Получатель,
ДатаСоздания, ВремяСоздания, ДатаНачала, ДатаКонца, РасчСчет, Документ) and per
document (СекцияДокумент … КонецДокумента: Номер, Дата, Сумма, ПлательщикСчет,
Плательщик, ПлательщикИНН, ПолучательСчет, Получатель, ДатаСписано,
ДатаПоступило, НазначениеПлатежа).

We keep no bank accounts: the unit's own account (РасчСчет, and its side of each
document) is what the accountant gives on export, the other side's is empty, as
the format allows for documents received.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from kasipodaq.orgtree.models import OrgUnit
from kasipodaq.registry.imports.reading import FORMULA_STARTS

from .models import CompanyPayment, LevelTransfer, Payment, PaymentMethod
from .money import to_tenge

ENCODING_1C = "cp1251"
# Kazakh letters windows-1251 lacks, as the Russian letters nearest in sound
# (і/І are in windows-1251 and stay).
_KAZAKH_TO_1251 = str.maketrans("әғқңөұүһӘҒҚҢӨҰҮҺ", "агкноуухАГКНОУУХ")


class Kind:
    PAYMENT = "payment"
    SENT = "sent"
    RECEIVED = "received"


@dataclass(frozen=True)
class MoneyRow:
    """One movement of money on the unit's account."""

    kind: str
    number: str
    on: dt.date
    amount_tiyn: int
    payer: str
    payer_id: str  # a member's IIN, a company's BIN; empty for our organizations
    recipient: str
    purpose: str

    @property
    def incoming(self) -> bool:
        return self.kind != Kind.SENT


def money_rows(unit: OrgUnit, start: dt.date, end: dt.date) -> Iterator[MoneyRow]:
    """The payments collected at `unit` — members' and, in an employer
    association, companies' — and its transfers in [start, end), by date: four
    queries whatever their number."""
    methods = dict(PaymentMethod.choices)
    payments = (
        Payment.objects.filter(org_unit=unit, paid_on__gte=start, paid_on__lt=end)
        .select_related("person")
        .only(
            "pk",
            "amount_tiyn",
            "method",
            "reference",
            "month",
            "paid_on",
            "person__last_name",
            "person__first_name",
            "person__patronymic",
            "person__iin",
        )
        .order_by("paid_on", "pk")
    )
    rows = [
        MoneyRow(
            kind=Kind.PAYMENT,
            number=str(payment.pk),
            on=payment.paid_on,
            amount_tiyn=payment.amount_tiyn,
            payer=payment.person.full_name,
            payer_id=payment.person.iin,
            recipient=unit.name,
            purpose=_payment_purpose(payment, str(methods.get(payment.method, ""))),
        )
        for payment in payments.iterator(chunk_size=2000)
    ]
    companies = (
        CompanyPayment.objects.filter(
            org_unit=unit, paid_on__gte=start, paid_on__lt=end
        )
        .select_related("employer")
        .order_by("paid_on", "pk")
    )
    rows += [
        MoneyRow(
            kind=Kind.PAYMENT,
            number=payment.order_number,
            on=payment.paid_on,
            amount_tiyn=payment.amount_tiyn,
            payer=payment.employer.name,
            payer_id=payment.employer.bin,
            recipient=unit.name,
            purpose=_("Membership fee of the company, payment order №%(number)s")
            % {"number": payment.order_number},
        )
        for payment in companies
    ]
    transfers = (
        LevelTransfer.objects.filter(transferred_on__gte=start, transferred_on__lt=end)
        .select_related("from_unit", "to_unit")
        .order_by("transferred_on", "pk")
    )
    for transfer in transfers.filter(from_unit=unit):
        rows.append(_transfer_row(transfer, Kind.SENT))
    for transfer in transfers.filter(to_unit=unit):
        rows.append(_transfer_row(transfer, Kind.RECEIVED))
    rows.sort(key=lambda row: (row.on, row.kind != Kind.PAYMENT, row.number))
    return iter(rows)


def _payment_purpose(payment: Payment, method: str) -> str:
    if payment.month is not None:
        return _("Union dues for %(month)s, %(method)s %(reference)s") % {
            "month": f"{payment.month:%m.%Y}",
            "method": method,
            "reference": payment.reference,
        }
    return _("Union dues, %(method)s %(reference)s") % {
        "method": method,
        "reference": payment.reference,
    }


def _transfer_row(transfer: LevelTransfer, kind: str) -> MoneyRow:
    purpose = _("Shares of union dues for the level above") + (
        f". {transfer.note}" if transfer.note else ""
    )
    return MoneyRow(
        kind=kind,
        number=transfer.order_number,
        on=transfer.transferred_on,
        amount_tiyn=transfer.amount_tiyn,
        payer=transfer.from_unit.name,
        payer_id="",
        recipient=transfer.to_unit.name,
        purpose=purpose,
    )


CSV, ONE_C = "csv", "1c"
FORMATS = (CSV, ONE_C)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    ONE_C: "text/plain; charset=windows-1251",
}


def build_export(
    *,
    unit: OrgUnit,
    start: dt.date,
    end: dt.date,
    file_format: str,
    account: str = "",
    created_at: dt.datetime,
) -> bytes:
    """The file of `unit`'s money in [start, end): CSV in the language of the
    request, the 1C file in Russian, 1C's language."""
    if file_format == ONE_C:
        with translation.override("ru"):
            return build_1c(
                money_rows(unit, start, end),
                start=start,
                end=end,
                account=account,
                created_at=created_at,
            )
    return build_csv(money_rows(unit, start, end))


def export_filename(
    unit: OrgUnit, start: dt.date, end: dt.date, file_format: str
) -> str:
    last = end - dt.timedelta(days=1)
    suffix = "txt" if file_format == ONE_C else "csv"
    return f"dues-{unit.code}-{start:%Y-%m}-{last:%Y-%m}.{suffix}"


# CSV


def _kind_label(kind: str) -> str:
    return {
        Kind.PAYMENT: _("Dues received"),
        Kind.SENT: _("Transfer sent"),
        Kind.RECEIVED: _("Transfer received"),
    }[kind]


def _cell(text: str) -> str:
    """Text kept from being run as a formula when opened in a spreadsheet."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def build_csv(rows: Iterator[MoneyRow]) -> bytes:
    """UTF-8 with a byte order mark, semicolons, CRLF, amounts with a decimal
    comma; incoming and outgoing amounts in columns of their own."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Date"),
            _("Document"),
            _("Operation"),
            _("Payer"),
            _("Payer IIN"),
            _("Recipient"),
            _("Received, tenge"),
            _("Paid out, tenge"),
            _("Purpose"),
        ]
    )
    for row in rows:
        amount = f"{to_tenge(row.amount_tiyn)}".replace(".", ",")
        writer.writerow(
            [
                row.on.strftime("%d.%m.%Y"),
                _cell(row.number),
                _kind_label(row.kind),
                _cell(row.payer),
                row.payer_id,
                _cell(row.recipient),
                amount if row.incoming else "",
                "" if row.incoming else amount,
                _cell(row.purpose),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# 1CClientBankExchange


def _value(text: str) -> str:
    """A value on one line, in letters windows-1251 has."""
    return " ".join(text.translate(_KAZAKH_TO_1251).split())


def build_1c(
    rows: Iterator[MoneyRow],
    *,
    start: dt.date,
    end: dt.date,
    account: str,
    created_at: dt.datetime,
) -> bytes:
    """The exchange file for 1C:Accounting, in windows-1251 with CRLF.

    Letters outside windows-1251 become the nearest Russian ones, and any other
    such character a question mark.
    """
    day = "%d.%m.%Y"
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Kasipodaq",
        "Получатель=1С:Бухгалтерия",
        f"ДатаСоздания={created_at:{day}}",
        f"ВремяСоздания={created_at:%H:%M:%S}",
        f"ДатаНачала={start:{day}}",
        f"ДатаКонца={end - dt.timedelta(days=1):{day}}",
        f"РасчСчет={account}",
        "Документ=Платежное поручение",
    ]
    for row in rows:
        payer_account, payee_account = ("", account) if row.incoming else (account, "")
        lines += [
            "СекцияДокумент=Платежное поручение",
            f"Номер={_value(row.number)}",
            f"Дата={row.on:{day}}",
            f"Сумма={to_tenge(row.amount_tiyn)}",
            f"ПлательщикСчет={payer_account}",
            f"Плательщик={_value(row.payer)}",
            f"ПлательщикИНН={row.payer_id}",
            f"ПолучательСчет={payee_account}",
            f"Получатель={_value(row.recipient)}",
            f"ДатаСписано={'' if row.incoming else format(row.on, day)}",
            f"ДатаПоступило={format(row.on, day) if row.incoming else ''}",
            f"НазначениеПлатежа={_value(row.purpose)}",
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING_1C, errors="replace")
