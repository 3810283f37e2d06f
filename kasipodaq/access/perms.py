"""What each role may do, as data."""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasipodaq.orgtree.models import Level


class Perm(enum.StrEnum):
    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    MEMBER_VIEW = "member.view"
    MEMBER_MANAGE = "member.manage"
    MEMBER_TRANSFER = "member.transfer"
    MEMBER_EXPORT = "member.export"
    AUDIT_VIEW = "audit.view"
    REPORT_VIEW = "report.view"
    REPORT_FILL = "report.fill"
    REPORT_APPROVE = "report.approve"
    # Forms, campaigns and reopening: the centre's.
    REPORT_MANAGE = "report.manage"
    # Issuing, reissuing and revoking membership cards.
    CARD_ISSUE = "card.issue"
    # The cards' look and the arrears that suspend them: the centre's.
    CARD_DESIGN = "card.design"
    # Charges, payments, arrears and the ledgers of dues.
    DUES_VIEW = "dues.view"
    # Accruing dues, recording payments, the dues rules and exemptions.
    DUES_MANAGE = "dues.manage"


class Role(models.TextChoices):
    CENTRAL_ADMIN = "central_admin", _("Central administrator")
    CHAIR = "chair", _("Chair")
    ORG_SPECIALIST = "org_specialist", _("Organizational specialist")
    ACCOUNTANT = "accountant", _("Accountant")
    LEGAL_INSPECTOR = "legal_inspector", _("Legal inspector")
    TECH_INSPECTOR = "tech_inspector", _("Technical inspector")
    TRAINING_METHODOLOGIST = "training_methodologist", _("Training methodologist")
    INFO_OFFICER = "info_officer", _("Information officer")
    PRIMARY_CHAIR = "primary_chair", _("Primary organization chair")
    AUDITOR = "auditor", _("Auditor")


_READ = frozenset({Perm.ORG_VIEW, Perm.MEMBER_VIEW, Perm.REPORT_VIEW, Perm.DUES_VIEW})
_KEEP_MEMBERS = _READ | {
    Perm.MEMBER_MANAGE,
    Perm.MEMBER_TRANSFER,
    Perm.MEMBER_EXPORT,
    Perm.CARD_ISSUE,
    Perm.DUES_MANAGE,
}
# Specialists fill in their part of the reports (legal, safety, training, …).
_SPECIALIST = _READ | {Perm.REPORT_FILL}
# Whoever keeps an organization files its report and decides on those below it.
_REPORTING = frozenset({Perm.REPORT_FILL, Perm.REPORT_APPROVE})

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.CENTRAL_ADMIN: frozenset(Perm),
    Role.CHAIR: _KEEP_MEMBERS | _REPORTING | {Perm.ORG_MANAGE},
    Role.ORG_SPECIALIST: _KEEP_MEMBERS | _REPORTING | {Perm.ORG_MANAGE},
    Role.ACCOUNTANT: _SPECIALIST | {Perm.MEMBER_EXPORT, Perm.DUES_MANAGE},
    Role.LEGAL_INSPECTOR: _SPECIALIST,
    Role.TECH_INSPECTOR: _SPECIALIST,
    Role.TRAINING_METHODOLOGIST: _SPECIALIST,
    Role.INFO_OFFICER: _SPECIALIST,
    Role.PRIMARY_CHAIR: _KEEP_MEMBERS | {Perm.REPORT_FILL},
    Role.AUDITOR: _READ | {Perm.MEMBER_EXPORT, Perm.AUDIT_VIEW},
}

_TERRITORIAL = frozenset({Level.REGION, Level.DISTRICT})

# The levels of the tree a role can be bound to.
ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.CENTRAL_ADMIN: frozenset({Level.CENTRAL}),
    Role.CHAIR: _TERRITORIAL,
    Role.ORG_SPECIALIST: _TERRITORIAL,
    Role.ACCOUNTANT: _TERRITORIAL,
    Role.LEGAL_INSPECTOR: _TERRITORIAL,
    Role.TECH_INSPECTOR: _TERRITORIAL,
    Role.TRAINING_METHODOLOGIST: _TERRITORIAL,
    Role.INFO_OFFICER: _TERRITORIAL,
    Role.PRIMARY_CHAIR: frozenset({Level.PRIMARY}),
    Role.AUDITOR: frozenset({Level.CENTRAL, Level.REGION, Level.DISTRICT}),
}

# Grants at these levels require a second factor at sign-in.
SECOND_FACTOR_LEVELS = frozenset({Level.CENTRAL, Level.REGION})
