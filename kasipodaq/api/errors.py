"""How refusals become HTTP answers, the same for every endpoint.

A service's DomainError is a 422 with its message and field; PermissionRefused and
a missing or out-of-scope object are a 404, so the API never tells whether
something exists outside the caller's subtree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kasipodaq.core.errors import DomainError, PermissionRefused

# The parts of a ninja error location that name where, not which field.
_LOCATION_PARTS = {"body", "query", "path", "header", "payload", "filters"}


def install_error_handlers(api: NinjaAPI) -> None:
    def answer(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(DomainError)
    def refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return answer(request, 422, {"detail": str(exc.message), "field": exc.field})

    @api.exception_handler(PermissionRefused)
    def forbidden(request: HttpRequest, exc: PermissionRefused) -> HttpResponse:
        return answer(request, 404, {"detail": _("Not found.")})

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return answer(request, 404, {"detail": _("Not found.")})

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = answer(request, 401, {"detail": _("A valid API token is required.")})
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return answer(request, exc.status_code, {"detail": str(exc)})

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [_error_item(error) for error in exc.errors]
        field = next((e["loc"][-1] for e in errors if e["loc"]), None)
        return answer(
            request,
            422,
            {
                "detail": _("The request is not valid: check the fields named."),
                "field": field,
                "errors": errors,
            },
        )


def _error_item(error: dict[str, Any]) -> dict[str, Any]:
    loc = [str(part) for part in error.get("loc", ())]
    return {
        "loc": [part for part in loc if part not in _LOCATION_PARTS],
        "message": str(error.get("msg", "")),
    }


@contextmanager
def fields_renamed(**names: str) -> Iterator[None]:
    """Report a service's refusal under the API's name of the field it concerns."""
    try:
        yield
    except PermissionRefused:
        raise
    except DomainError as exc:
        if exc.field in names:
            exc.field = names[exc.field]
        raise
