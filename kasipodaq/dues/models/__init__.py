"""Dues: the rules that set them, the monthly charges, the payments and where the
money goes between the levels of the union.

Money is whole tiyn in BigIntegerFields (`money.py`); months are the first day of
the month.
"""

from .charges import Charge
from .ledger import DistributionRule, LedgerEntry
from .payments import Payment, PaymentMethod, ReceiptSequence
from .payroll import LineOutcome, PayrollLine, PayrollList, PayrollStatus
from .reminders import ArrearsReminder
from .rules import (
    ROUNDING_STEP,
    DuesRule,
    Exemption,
    ExemptionReason,
    Rounding,
    SalaryBase,
)

__all__ = [
    "ROUNDING_STEP",
    "ArrearsReminder",
    "Charge",
    "DistributionRule",
    "DuesRule",
    "Exemption",
    "ExemptionReason",
    "LedgerEntry",
    "LineOutcome",
    "Payment",
    "PaymentMethod",
    "PayrollLine",
    "PayrollList",
    "PayrollStatus",
    "ReceiptSequence",
    "Rounding",
    "SalaryBase",
]
