from typing import Any

from django.apps import AppConfig
from django.core import checks


class CardsConfig(AppConfig):
    name = "kasipodaq.cards"
    label = "cards"

    def ready(self) -> None:
        from kasipodaq.audit.labels import label_with
        from kasipodaq.registry.signals import (
            demo_built,
            membership_started,
            memberships_imported,
        )

        from .models import Card

        label_with(Card)
        checks.register(_check_keys)
        membership_started.connect(_issue_card, dispatch_uid="cards.membership_started")
        memberships_imported.connect(
            _issue_imported_cards, dispatch_uid="cards.memberships_imported"
        )
        demo_built.connect(_issue_demo_cards, dispatch_uid="cards.demo_built")


def _check_keys(**kwargs: Any) -> list[checks.CheckMessage]:
    """Malformed card keys fail `kasipodaq check` instead of the first issue."""
    from django.conf import settings

    from .keys import key_problems

    return [
        checks.Error(problem, id="kasipodaq.cards.E001")
        for problem in key_problems(settings.KASIPODAQ_CARD_KEYS)
    ]


def _issue_card(actor: Any, membership: Any, **kwargs: Any) -> None:
    """A member gets a card the moment a membership starts (joining, a transfer)."""
    from .services.issuing import issue_for_membership

    issue_for_membership(actor=actor, membership=membership)


def _issue_imported_cards(roots: Any, **kwargs: Any) -> None:
    """The members an import admitted get their cards from a run of their
    subtrees, once the import has committed."""
    from .services.runs import queue_runs_after_import

    queue_runs_after_import(roots)


def _issue_demo_cards(step: Any, **kwargs: Any) -> None:
    """Every member of the demo union holds a card."""
    from .selectors import union_root
    from .services.bulk import issue_missing_cards

    root = union_root()
    if root is not None:
        issued = issue_missing_cards(actor=None, unit=root)
        step(f"{issued:,} membership cards")
