"""Showing a service's refusal to the person who asked."""

from __future__ import annotations

from django import forms

from .errors import DomainError


def add_refusal(form: forms.BaseForm, exc: DomainError) -> None:
    """Attach a refusal to the form field it names, or to the form as a whole.

    The form keeps what the user typed, so they can correct it and send again.
    """
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))
