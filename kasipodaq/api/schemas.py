"""Input and output shapes every endpoint shares: texts, ids, errors."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import Field, StringConstraints

# The largest primary key the databases store (a signed 64-bit integer).
MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# PostgreSQL refuses NUL characters in text: they are invalid input everywhere.
NO_NUL = r"^[^\x00]*$"
# Some character other than white space, and no NUL.
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"


def text(max_length: int) -> type[str]:
    """Free text of at most `max_length` characters, possibly empty."""
    return Annotated[  # type: ignore[return-value]
        str, StringConstraints(max_length=max_length, pattern=NO_NUL)
    ]


def required_text(max_length: int) -> type[str]:
    """Text that must say something: not empty, not only spaces."""
    return Annotated[  # type: ignore[return-value]
        str, StringConstraints(max_length=max_length, pattern=NOT_BLANK)
    ]


Iin = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{12}$",
        description="Individual identification number: 12 digits.",
        examples=["850517450017"],
    ),
]


class ErrorItem(Schema):
    loc: list[str]
    message: str


class Error(Schema):
    """Why a request was refused: a message and, when it concerns one, the field."""

    detail: str
    field: str | None = None
    errors: list[ErrorItem] = Field(default_factory=list)


# The refusals every operation documents; writes that take a body add 400.
READ_ERRORS: dict[int, type[Schema]] = {401: Error, 404: Error, 422: Error}
WRITE_ERRORS: dict[int, type[Schema]] = {400: Error, **READ_ERRORS}
