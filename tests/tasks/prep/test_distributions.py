"""The data report's distributions: doubling bins per user, days filled and coarsened."""

from __future__ import annotations

from datetime import date, timedelta

from tasks.prep.distributions import day_counts, periods, user_bins


def test_users_fall_in_doubling_bins_with_empty_bins_kept() -> None:
    assert user_bins({1: 3, 2: 5, 3: 1, 4: 2, 9: 1}) == {
        "1": 3, "2": 5, "3-4": 3, "5-8": 0, "9-16": 1
    }  # fmt: skip
    assert user_bins({}) == {}


def test_days_are_named_and_gaps_show_as_zero() -> None:
    per_day = day_counts({19_675: 4, 19_677: 1})
    assert per_day == {"2023-11-14": 4, "2023-11-16": 1}
    assert periods(per_day) == ("Day", {"2023-11-14": 4, "2023-11-15": 0, "2023-11-16": 1})


def test_long_spans_are_summed_per_week_then_per_month() -> None:
    start = date(2024, 1, 1)  # a Monday
    daily = {(start + timedelta(days=i)).isoformat(): 1 for i in range(100)}
    period, weeks = periods(daily)
    assert period == "Week of" and len(weeks) == 15
    assert weeks["2024-01-01"] == 7 and sum(weeks.values()) == 100
    yearly = {(start + timedelta(days=i)).isoformat(): 2 for i in range(0, 800, 2)}
    period, months = periods(yearly)
    assert period == "Month" and months["2024-02"] == 2 * 14 and sum(months.values()) == 800
