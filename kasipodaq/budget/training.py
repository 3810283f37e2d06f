"""The rule that training is at least a tenth of an organization's expenses.

Seed 003 §V, 5.2: under the Regulation on dues (Исполком Профсоюза, 19 January
2015 No. 2 p. 5, amended 22 February 2022 No. 15 p. 11), «расходы на подготовку
профсоюзных кадров и учебу профсоюзного актива должны составлять не менее 10%
расходной части сметы профоргана». The same concept reports that member
organizations spend 0.5 %–10 % of their budget on training, hence the warning.
"""

from __future__ import annotations

from decimal import Decimal

# Training's least share of expenses, in hundredths of a percent (10 %).
TRAINING_MIN_BP = 1000


def share_bp(part_tiyn: int, total_tiyn: int) -> int | None:
    """`part` as hundredths of a percent of `total`, rounded down (None: no total).

    Rounded down so that a share shown as 10.00 % is never really below 10 %.
    """
    if total_tiyn <= 0:
        return None
    return part_tiyn * 10000 // total_tiyn


def below_minimum(training_tiyn: int, total_tiyn: int) -> bool:
    """Whether training is less than TRAINING_MIN_BP of `total`; exact in integers,
    so exactly 10 % passes and 9.99 % does not. Nothing spent breaks no rule."""
    return total_tiyn > 0 and training_tiyn * 10000 < total_tiyn * TRAINING_MIN_BP


def as_percent(bp: int | None) -> Decimal | None:
    """Hundredths of a percent as a percent with two decimals (for showing)."""
    return None if bp is None else (Decimal(bp) / 100).quantize(Decimal("0.01"))
