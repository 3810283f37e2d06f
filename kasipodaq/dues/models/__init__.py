"""Dues: the rules that set them, the monthly charges, the payments and where the
money goes between the levels of the union.

Money is whole tiyn in BigIntegerFields (`money.py`); months are the first day of
the month.
"""

from .card_payments import (
    CardCharge,
    CardSubscription,
    ChargeOutcome,
    NotificationOutcome,
    ProviderNotification,
    SubscriptionStatus,
)
from .charges import Charge
from .company_fees import (
    CompanyCharge,
    CompanyDeclaration,
    CompanyFeeSchedule,
    CompanyFeeTier,
    CompanyPayment,
    FeeBasis,
    FeePeriod,
    FigureSource,
)
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
from .salary_lists import SalaryList
from .transfers import LevelTransfer

__all__ = [
    "ROUNDING_STEP",
    "ArrearsReminder",
    "CardCharge",
    "CardSubscription",
    "Charge",
    "ChargeOutcome",
    "CompanyCharge",
    "CompanyDeclaration",
    "CompanyFeeSchedule",
    "CompanyFeeTier",
    "CompanyPayment",
    "DistributionRule",
    "DuesRule",
    "Exemption",
    "ExemptionReason",
    "FeeBasis",
    "FeePeriod",
    "FigureSource",
    "LedgerEntry",
    "LevelTransfer",
    "LineOutcome",
    "NotificationOutcome",
    "Payment",
    "PaymentMethod",
    "PayrollLine",
    "PayrollList",
    "PayrollStatus",
    "ProviderNotification",
    "ReceiptSequence",
    "Rounding",
    "SalaryBase",
    "SalaryList",
    "SubscriptionStatus",
]
