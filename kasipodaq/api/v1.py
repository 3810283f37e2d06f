"""Version 1 of the API: the routers of each app behind one token check."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from kasipodaq.cards.api import router as cards
from kasipodaq.dues.api import router as dues
from kasipodaq.registry.api.members import router as members
from kasipodaq.registry.api.organizations import router as organizations
from kasipodaq.reporting.api import router as reports

from .auth import TokenAuth
from .errors import install_error_handlers


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Cyrillic and Kazakh letters as they are, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class KasipodaqAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Operations are named by their function: `list_orgs`, `read_member`…"""
        return operation.view_func.__name__


api = KasipodaqAPI(
    title="Kasipodaq API",
    version="1",
    description=(
        "Organizations, members, statistical reports, membership cards and dues "
        "of the union, read and written with the same rights as in the staff "
        "interface: every call sees and changes only the subtrees where the "
        "token's user holds a role. "
        "Authenticate with `Authorization: Bearer <token>`; a token is issued by "
        "`kasipodaq create-token USERNAME`."
    ),
    urls_namespace="api",
    auth=TokenAuth(),
    renderer=Utf8JSONRenderer(),
)
install_error_handlers(api)
api.add_router("/orgs", organizations)
api.add_router("/members", members)
api.add_router("/reports", reports)
api.add_router("/cards", cards)
api.add_router("/dues", dues)
