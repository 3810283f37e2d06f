"""What the sign-in forms accept."""

from __future__ import annotations

import pytest

from kasipodaq.accounts.forms import CodeForm


@pytest.mark.parametrize("typed", ["123456", " 123 456 ", "123\t456"])
def test_a_code_may_be_typed_with_spaces(typed: str) -> None:
    form = CodeForm(data={"code": typed})
    assert form.is_valid()
    assert form.cleaned_data["code"] == "123456"


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦"])
def test_a_code_must_be_six_ascii_digits(typed: str) -> None:
    assert not CodeForm(data={"code": typed}).is_valid()
