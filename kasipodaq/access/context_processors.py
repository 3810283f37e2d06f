"""What every staff template may ask about the signed-in user's rights."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .perms import Perm
from .policy import subtree_roots


def actor(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_audit": bool(subtree_roots(user, Perm.AUDIT_VIEW)),
        # Members and organizations are imported by those who may manage them.
        "can_import": bool(
            subtree_roots(user, Perm.MEMBER_MANAGE)
            or subtree_roots(user, Perm.ORG_MANAGE)
        ),
        "can_report": any(
            subtree_roots(user, perm)
            for perm in (
                Perm.REPORT_VIEW,
                Perm.REPORT_FILL,
                Perm.REPORT_APPROVE,
                Perm.REPORT_MANAGE,
            )
        ),
    }
