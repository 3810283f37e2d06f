"""Tokens of cards never reach the logs."""

from __future__ import annotations

import logging

from kasipodaq.cards.log_filters import HideCardTokens, hide_tokens


def test_a_token_in_a_path_is_hidden() -> None:
    assert hide_tokens("Too Many Requests: /v/AQJ0Mg-_x?lang=kk") == (
        "Too Many Requests: /v/…?lang=kk"
    )
    assert hide_tokens("/v/") == "/v/"
    assert hide_tokens("/members/12/") == "/members/12/"


def test_the_filter_cleans_the_message_and_its_arguments() -> None:
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("Not Found", "/v/SECRET"),
        None,
    )
    assert HideCardTokens().filter(record)
    assert record.getMessage() == "Not Found: /v/…"
