"""The one place that narrows a query to what a user may see.

Every query of organizations, people, memberships and their data passes through
`scope`. A model takes part by naming, in its `scope_path` attribute, the lookup
that leads from its rows to an organization path.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.http import Http404

from kasipodaq.orgtree.querysets import subtree_filter

from .perms import Perm
from .policy import subtree_roots

QS = TypeVar("QS", bound=QuerySet[Any])


def scope(queryset: QS, user: Any, perm: Perm) -> QS:
    """The rows of `queryset` inside the subtrees where `user` holds `perm`."""
    field: str = queryset.model.scope_path
    roots = subtree_roots(user, perm)
    if not roots:
        return queryset.none()
    return queryset.filter(reduce(or_, (subtree_filter(field, root) for root in roots)))


def scope_q(user: Any, perm: Perm, *, field: str) -> Q | None:
    """The same narrowing as a Q on an explicit path lookup; None when nothing."""
    roots = subtree_roots(user, perm)
    if not roots:
        return None
    return reduce(or_, (subtree_filter(field, root) for root in roots))


def get_scoped(queryset: QS, user: Any, perm: Perm, pk: Any) -> Any:
    """The row `pk` of `queryset` if it lies where `user` holds `perm`; else 404,
    the same answer as for a row that does not exist."""
    try:
        found = scope(queryset, user, perm).filter(pk=pk).first()
    except (ValueError, TypeError):
        found = None
    if found is None:
        raise Http404
    return found
