"""Keeping cards' tokens out of the logs.

A token names a card (its number, the holder's initials, the organization); the
request logger would write it with the path of a refused check (429, 404).
"""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/v/)[^\s?#\"']+")


def hide_tokens(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1…", text)


class HideCardTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = hide_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
