"""A form version read once: its sections and indicators in order, formulas parsed,
the order formulas are evaluated in, and its rules.

A published version never changes, so its layout is kept for the process's life;
a draft's is read afresh each time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .errors import ReportRefusal
from .formulas import Formula, parse_formula
from .models import FormVersion, Indicator, Rule, Section, Source, ValueType

# How many decimal places each type keeps.
PLACES: dict[str, Decimal] = {
    ValueType.COUNT: Decimal(1),
    ValueType.AMOUNT: Decimal("0.01"),
    ValueType.PERCENT: Decimal("0.1"),
}


@dataclass(frozen=True)
class ParsedRule:
    rule: Rule
    left: Formula
    right: Formula


@dataclass
class Layout:
    version: FormVersion
    sections: list[tuple[Section, list[Indicator]]]
    by_code: dict[str, Indicator]
    formulas: dict[str, Formula]
    # Formula indicators in an order where each comes after those it uses.
    evaluation_order: list[str]
    rules: list[ParsedRule] = field(default_factory=list)
    # What working out the formulas needs, in their order: each indicator's code,
    # its formula and the decimal places of its type (`rounded`).
    steps: list[tuple[str, Formula, Decimal]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.steps = [
            (code, self.formulas[code], places_of(self.by_code[code].value_type))
            for code in self.evaluation_order
        ]

    @property
    def indicators(self) -> list[Indicator]:
        return [i for _section, indicators in self.sections for i in indicators]

    def of_source(self, source: str) -> list[Indicator]:
        return [i for i in self.indicators if i.source == source]


# Keyed by the version and the moment it was published: a draft is never taken
# from here, and a row id that a rolled-back transaction gave out and SQLite
# gives out again (tests do this all the time) does not find another version's
# layout.
_published: dict[tuple[int, dt.datetime], Layout] = {}


def layout_of(version: FormVersion) -> Layout:
    """The version's layout (three queries the first time for a published one)."""
    if version.published_at is None:
        return _read(version)
    key = (version.pk, version.published_at)
    cached = _published.get(key)
    if cached is None:
        cached = _published[key] = _read(version)
    return cached


def _read(version: FormVersion) -> Layout:
    sections = list(version.sections.all())
    indicators = list(version.indicators.all())
    by_section: dict[int, list[Indicator]] = {s.pk: [] for s in sections}
    for indicator in indicators:
        by_section[indicator.section_id].append(indicator)
    by_code = {i.code: i for i in indicators}
    formulas = {
        i.code: parse_formula(i.formula)
        for i in indicators
        if i.source == Source.FORMULA
    }
    check_references(by_code, formulas)
    rules = [
        ParsedRule(
            rule,
            parse_formula(rule.left, ratio_allowed=False),
            parse_formula(rule.right, ratio_allowed=False),
        )
        for rule in version.rules.all()
    ]
    for parsed in rules:
        _require_known(
            by_code, (*parsed.left.codes, *parsed.right.codes), parsed.rule.code
        )
    return Layout(
        version=version,
        sections=[(s, by_section[s.pk]) for s in sections],
        by_code=by_code,
        formulas=formulas,
        evaluation_order=evaluation_order(formulas),
        rules=rules,
    )


def check_references(
    by_code: dict[str, Indicator], formulas: dict[str, Formula]
) -> None:
    """Refuse formulas that name unknown or text indicators, or go round in a circle."""
    for code, formula in formulas.items():
        _require_known(by_code, formula.codes, code)
    evaluation_order(formulas)


def _require_known(
    by_code: dict[str, Indicator], codes: tuple[str, ...], owner: str
) -> None:
    for code in codes:
        indicator = by_code.get(code)
        if indicator is None or indicator.value_type == ValueType.TEXT:
            raise ReportRefusal(
                _("«%(owner)s» uses «%(code)s», which is not a number of this form.")
                % {"owner": owner, "code": code},
                field="formula",
            )


def evaluation_order(formulas: dict[str, Formula]) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(code: str) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            raise ReportRefusal(
                _("The formula of «%(code)s» depends on itself.") % {"code": code},
                field="formula",
            )
        state[code] = 1
        for used in formulas[code].codes:
            if used in formulas:
                visit(used)
        state[code] = 2
        order.append(code)

    for code in formulas:
        visit(code)
    return order


def places_of(value_type: str) -> Decimal:
    return PLACES.get(value_type, Decimal(1))


def rounded(value: Decimal, value_type: str) -> Decimal:
    """A figure with the decimal places of its type, half away from zero."""
    return value.quantize(places_of(value_type), rounding=ROUND_HALF_UP)
