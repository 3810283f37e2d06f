"""Models of statistical reporting: forms as data, and their yearly collection."""

from .campaigns import (
    EDITABLE,
    SETTLED,
    Campaign,
    Report,
    ReportAction,
    ReportEvent,
    ReportStatus,
    ReportValue,
)
from .definitions import (
    Aggregation,
    Comparison,
    FormVersion,
    Indicator,
    Measure,
    Named,
    ReportForm,
    Rule,
    Section,
    Source,
    ValueType,
    language_suffix,
)

__all__ = [
    "EDITABLE",
    "SETTLED",
    "Aggregation",
    "Campaign",
    "Comparison",
    "FormVersion",
    "Indicator",
    "Measure",
    "Named",
    "Report",
    "ReportAction",
    "ReportEvent",
    "ReportForm",
    "ReportStatus",
    "ReportValue",
    "Rule",
    "Section",
    "Source",
    "ValueType",
    "language_suffix",
]
