import pytest
from django.core.exceptions import ValidationError

from kasipodaq.core.checksum import check_digit
from kasipodaq.orgtree.bin import validate_bin


def _bin(first_eleven: str) -> str:
    digit = check_digit(first_eleven)
    assert digit is not None
    return f"{first_eleven}{digit}"


def test_a_well_formed_bin_passes():
    validate_bin(_bin("05094000123"))


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0509400012", "bin_format"),
        ("05094000123x", "bin_format"),
        ("051340001234", "bin_month"),
        ("050970001234", "bin_kind"),
    ],
)
def test_malformed_bins_name_their_fault(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_bin(value)
    assert exc.value.code == code


def test_a_wrong_check_digit_is_refused():
    good = _bin("05094000123")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        validate_bin(bad)
    assert exc.value.code == "bin_checksum"
