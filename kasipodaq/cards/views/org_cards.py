"""Cards of an organization's subtree: bulk issuing with progress, and printing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View

from kasipodaq.access import policy
from kasipodaq.access.perms import Perm
from kasipodaq.core.dates import today
from kasipodaq.core.errors import DomainError, PermissionRefused
from kasipodaq.registry.selectors import access_unit

from ..printing import cards_pdf
from ..selectors import access_run, cards_in_force_under, runs_of, subtree_counts
from ..services.printing import record_printed
from ..services.runs import start_issue_run

# One PDF holds at most this many cards (20 pages, made in a few seconds): a
# larger organization prints its cards in parts.
SHEET_CARDS = 200


class OrgCardsView(LoginRequiredMixin, View):
    """How many members under a unit hold a card; issue the missing ones."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.CARD_ISSUE)
        members, holders = subtree_counts(unit, today())
        context = {
            "unit": unit,
            "members": members,
            "holders": holders,
            "missing": members - holders,
            "runs": runs_of(unit),
            "sheet_parts": _parts(holders),
            "can_design": unit.parent_id is None
            and policy.has_perm(request.user, Perm.CARD_DESIGN, unit=unit),
        }
        return render(request, "cards/org.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.CARD_ISSUE)
        try:
            run = start_issue_run(actor=request.user, unit=unit)
        except PermissionRefused:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("cards:org", pk=unit.pk)
        return redirect("cards:run", pk=run.pk)


class IssueRunView(LoginRequiredMixin, View):
    """A bulk issue's progress; the page refreshes itself until the run ends."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = access_run(request.user, pk)
        return render(request, "cards/run.html", {"run": run, "unit": run.unit})


def _parts(count: int) -> list[tuple[int, int, int]]:
    """The parts a sheet of `count` cards is printed in: (part, first, last)."""
    return [
        (n + 1, start + 1, min(start + SHEET_CARDS, count))
        for n, start in enumerate(range(0, count, SHEET_CARDS))
    ]


class CardSheetView(LoginRequiredMixin, View):
    """The cards in force under a unit on A4 sheets (PDF), by parts of
    SHEET_CARDS (?part=, from 1), audited per card."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = access_unit(request.user, pk, Perm.CARD_ISSUE)
        if not policy.has_perm(request.user, Perm.MEMBER_VIEW, unit=unit):
            raise Http404
        asked = request.GET.get("part", "1")
        part = (
            int(asked) if asked.isascii() and asked.isdigit() and len(asked) < 7 else 0
        )
        if part < 1:
            raise Http404
        cards = cards_in_force_under(
            unit, today(), start=(part - 1) * SHEET_CARDS, limit=SHEET_CARDS
        )
        if not cards:
            messages.error(request, _("No member here holds a card in force yet."))
            return redirect("cards:org", pk=unit.pk)
        record_printed(actor=request.user, cards=cards)
        response = HttpResponse(cards_pdf(cards), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"cards-{unit.code}-{part}.pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response
