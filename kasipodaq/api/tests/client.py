"""A test client that calls the API as a user, with a freshly issued token."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from kasipodaq.api.tokens import issue_token

PREFIX = "/api/v1"


class ApiClient:
    """Asks for English, so that tests can read the messages whatever the catalogs."""

    def __init__(self, token: str | None, language: str = "en") -> None:
        headers = {"accept-language": language}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self.client = Client(headers=headers)

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(PREFIX + path, query)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            PREFIX + path, json.dumps(body or {}), content_type="application/json"
        )

    def patch(self, path: str, body: Any = None) -> Any:
        return self.client.patch(
            PREFIX + path, json.dumps(body or {}), content_type="application/json"
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(PREFIX + path)


def api_as(user: Any) -> ApiClient:
    """A client that presents a new token of `user`."""
    _row, token = issue_token(user=user)
    return ApiClient(token)
