"""The language of formulas and rules: sums of indicators, and percentages that
every level works out from its own parts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from kasipodaq.orgtree.changes import record_employees
from kasipodaq.registry.models import Category
from kasipodaq.registry.tests.factories import Tree
from kasipodaq.reporting.errors import ReportRefusal
from kasipodaq.reporting.figures import Figures, apply_formulas, compute_figures
from kasipodaq.reporting.formulas import Formula, Operand, parse_formula
from kasipodaq.reporting.layout import PLACES, Layout, layout_of, rounded
from kasipodaq.reporting.models import Campaign, ValueType


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("text", "terms", "divisor"),
    [
        ("a", ("a",), ""),
        ("a + b", ("a", "b"), ""),
        ("a+b+c_2", ("a", "b", "c_2"), ""),
        ("  trained_total /  members ", ("trained_total",), "members"),
        ("a/b", ("a",), "b"),
    ],
)
def test_formulas_are_read(text: str, terms: tuple[str, ...], divisor: str) -> None:
    formula = parse_formula(text)
    assert (formula.terms, formula.divisor) == (terms, divisor)
    assert formula.is_ratio == bool(divisor)
    assert formula.codes == (*terms, *([divisor] if divisor else []))
    assert parse_formula(str(formula)) == formula


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a formula"),
        ("a +", "is not a formula"),
        ("a + + b", "is not a formula"),
        ("a - b", "is not a formula"),
        ("a * 2", "is not a formula"),
        ("Members", "is not a formula"),
        ("1a", "is not a formula"),
        ("a /", "is not a formula"),
        ("a / b / c", "is not a formula"),
        ("a / b + c", "is not a formula"),
        ("a + b / c", "divides one indicator by another"),
    ],
)
def test_anything_else_is_refused_with_why(text: str, message: str) -> None:
    with pytest.raises(ReportRefusal, match=message) as refused:
        parse_formula(text)
    assert refused.value.field == "formula"


def test_a_rule_side_cannot_be_a_percentage() -> None:
    assert parse_formula("a + b", ratio_allowed=False) == Formula(("a", "b"))
    with pytest.raises(ReportRefusal, match="Only sums"):
        parse_formula("a / b", ratio_allowed=False)


def test_a_sum_counts_a_missing_or_text_figure_as_zero() -> None:
    """…unless nothing of it is known: then the sum is not known either."""
    formula = parse_formula("a + b + c")
    figures: Figures = {"a": Decimal(2), "b": None, "c": "text"}
    assert formula.evaluate(figures) == 2
    assert formula.evaluate({"a": Decimal(0)}) == 0
    assert formula.evaluate({}) is None
    assert formula.evaluate({"b": None, "c": "text"}) is None


def test_a_percentage_is_part_over_whole_times_a_hundred() -> None:
    formula = parse_formula("part / whole")
    assert formula.evaluate({"part": Decimal(1), "whole": Decimal(3)}) == Decimal(
        100
    ) / Decimal(3)
    assert formula.evaluate({"part": None, "whole": Decimal(4)}) == 0


@pytest.mark.parametrize("whole", [Decimal(0), None, "text"])
def test_a_percentage_of_a_zero_or_missing_whole_is_missing(whole: object) -> None:
    formula = parse_formula("part / whole")
    assert formula.evaluate({"part": Decimal(5), "whole": whole}) is None  # type: ignore[dict-item]


amounts = st.decimals(
    min_value=0, max_value=10**11, places=2, allow_nan=False, allow_infinity=False
)


@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), amounts))
def test_a_sum_equals_the_sum_of_its_parts(parts: dict[str, Decimal]) -> None:
    if not parts:
        return
    formula = parse_formula(" + ".join(parts))
    assert formula.evaluate(dict(parts)) == sum(parts.values(), Decimal(0))


# Worked out a column at a time


def test_a_column_of_figures_keeps_the_rules_of_one_figure() -> None:
    """Row by row: a percentage of a zero, missing or text whole is missing and a
    missing part counts as zero; a sum of nothing known is missing; a code without
    a column is missing in every row."""
    places = PLACES[ValueType.PERCENT]
    part_columns: dict[str, list[Operand]] = {
        "part": [5, 5, 5, None, Decimal(1), 1],
        "whole": [0, None, "text", 4, Decimal(3), 3],
    }
    assert parse_formula("part / whole").work_out(part_columns, places, 6) == [
        None,
        None,
        None,
        Decimal("0.0"),
        Decimal("33.3"),
        Decimal("33.3"),
    ]
    sum_columns: dict[str, list[Operand]] = {
        "a": [2, None, Decimal("1.5"), "text"],
        "b": [Decimal("0.25"), None, 3, None],
    }
    assert parse_formula("a + b").work_out(sum_columns, Decimal("0.01"), 4) == [
        Decimal("2.25"),
        None,
        Decimal("4.50"),
        None,
    ]
    assert parse_formula("a / nowhere").work_out(sum_columns, places, 4) == [None] * 4
    assert parse_formula("nowhere + b").work_out(sum_columns, places, 4) == [
        Decimal("0.3"),
        None,
        Decimal("3.0"),
        None,
    ]


counts = st.one_of(
    st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=10**15)
)


@given(part=counts, whole=counts, value_type=st.sampled_from(list(PLACES)))
# Halves, rounded up: 12.5 → 13, 6.25 → 6.3, 0.125 → 0.13.
@example(part=1, whole=8, value_type=ValueType.COUNT)
@example(part=1, whole=16, value_type=ValueType.PERCENT)
@example(part=1, whole=800, value_type=ValueType.AMOUNT)
def test_counts_give_the_percentage_their_decimals_give(
    part: int, whole: int, value_type: str
) -> None:
    """Counts from the registry are worked out in whole numbers: to the last digit
    and the number of places, what the same figures as Decimals give."""
    formula, places = parse_formula("part / whole"), PLACES[value_type]
    (from_counts,) = formula.work_out({"part": [part], "whole": [whole]}, places, 1)
    (from_decimals,) = formula.work_out(
        {"part": [Decimal(part)], "whole": [Decimal(whole)]}, places, 1
    )
    assert str(from_counts) == str(from_decimals)
    if whole:
        assert from_counts == rounded(Decimal(part) * 100 / whole, value_type)


# Percentages up the tree


def membership_layout(campaign: Campaign) -> Layout:
    return layout_of(campaign.version)


children = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5000),
        st.integers(min_value=0, max_value=5000),
    ),
    min_size=1,
    max_size=12,
)


def test_a_percentage_at_a_parent_is_its_total_over_its_whole(
    membership_campaign: Campaign,
) -> None:
    """Whatever the children, the parent's coverage is its working members over
    its employees (each rolled up), never an average of the children's coverage."""
    layout = membership_layout(membership_campaign)

    @given(children)
    def check(counts: list[tuple[int, int]]) -> None:
        working = sum(part for part, _whole in counts)
        employees = sum(whole for _part, whole in counts)
        parent: Figures = {"working": Decimal(working), "employees": Decimal(employees)}
        apply_formulas(parent, layout)
        if employees == 0:
            assert parent["coverage"] is None
        else:
            expected = rounded(
                Decimal(working) * 100 / Decimal(employees), ValueType.PERCENT
            )
            assert parent["coverage"] == expected

    check()


def test_a_percentage_is_not_the_average_of_the_childrens(
    tree: Tree, membership_campaign: Campaign
) -> None:
    """One school of 2 members among 4 employees (50%) and one of 1 member among
    100 (1%): their district covers 3 of 104, 2.9%, not the 25.5% of an average."""
    small, large = tree.primaries[0], tree.primaries[1]
    record_employees(unit=small, counted_on=small.opened_on, employees=4)
    record_employees(unit=large, counted_on=large.opened_on, employees=100)
    tree.admit(small)
    tree.admit(small)
    tree.admit(large)
    tree.admit(large, category=Category.STUDENT)
    found = compute_figures(
        membership_campaign,
        membership_layout(membership_campaign),
        [tree.districts[0], small, large],
    )
    assert found[small.pk]["coverage"] == Decimal("50.0")
    assert found[large.pk]["coverage"] == Decimal("1.0")
    assert found[large.pk]["students_share"] == Decimal("50.0")
    district = found[tree.districts[0].pk]
    assert (district["working"], district["employees"]) == (3, 104)
    assert district["coverage"] == Decimal("2.9")
    assert district["students_share"] == Decimal("25.0")


def test_percentages_are_rounded_half_away_from_zero() -> None:
    assert rounded(Decimal("2.25"), ValueType.PERCENT) == Decimal("2.3")
    assert rounded(Decimal("2.249"), ValueType.PERCENT) == Decimal("2.2")
    assert rounded(Decimal("2.5"), ValueType.COUNT) == Decimal(3)
    assert rounded(Decimal("1.005"), ValueType.AMOUNT) == Decimal("1.01")


def test_a_percentage_of_a_sum_cannot_even_be_built() -> None:
    with pytest.raises(ValueError, match="one indicator by another"):
        Formula(("a", "b"), "c")
