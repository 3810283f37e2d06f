"""Refusals of the reporting capability."""

from __future__ import annotations

from kasipodaq.core.errors import DomainError


class ReportRefusal(DomainError):
    """A report, form or campaign change the workflow does not allow."""

    code = "report_refused"
