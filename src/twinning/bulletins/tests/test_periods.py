"""Period codes: every form the programme uses, and clear refusals for the rest."""

import datetime as dt

import pytest

from twinning.bulletins.periods import current_quarter, is_future, parse_period
from twinning.core.errors import Invalid


@pytest.mark.parametrize(
    ("code", "start", "end", "label"),
    [
        ("2021", dt.date(2021, 1, 1), dt.date(2021, 12, 31), "2021年"),
        ("2021H1", dt.date(2021, 1, 1), dt.date(2021, 6, 30), "2021年上半年"),
        ("2021h2", dt.date(2021, 7, 1), dt.date(2021, 12, 31), "2021年下半年"),
        ("2021Q1", dt.date(2021, 1, 1), dt.date(2021, 3, 31), "2021年第一季度"),
        ("2021Q4", dt.date(2021, 10, 1), dt.date(2021, 12, 31), "2021年第四季度"),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
        (" 2021-05 ", dt.date(2021, 5, 1), dt.date(2021, 5, 31), "2021年5月"),
    ],
)
def test_parses_every_form(code: str, start: dt.date, end: dt.date, label: str) -> None:
    period = parse_period(code)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.code == code.strip().upper()


@pytest.mark.parametrize("code", ["", "21H1", "2021H3", "2021Q5", "2021-13", "2021-00", "上半年",
                                  "2021H1x", "1999", "2021-5"])  # fmt: skip
def test_refuses_anything_else_with_a_clear_message(code: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_period(code)
    assert caught.value.code == "invalid_period"
    assert "2021H1（上半年）" in caught.value.message
    assert caught.value.fields["period"] == [caught.value.message]


def test_months_of_a_half_year() -> None:
    assert parse_period("2021H2").months == [(2021, m) for m in range(7, 13)]


def test_future_and_current_quarter() -> None:
    today = dt.date(2021, 8, 15)
    assert current_quarter(today) == "2021Q3"
    assert not is_future(parse_period("2021Q3"), today)
    assert is_future(parse_period("2021Q4"), today)
