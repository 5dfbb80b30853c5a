"""The twelve calendar months ending with a given day's month, as the dashboard's
contributors panel and the reports' default window use them."""

from datetime import date, timedelta

from reporting.periods import year_before


def test_twelve_months_end_with_the_given_month_whatever_the_day():
    day = date(2024, 1, 1)
    while day < date(2027, 1, 1):
        start = year_before(day)
        months = (day.year - start.year) * 12 + day.month - start.month + 1
        assert (start.day, months) == (1, 12), day
        day += timedelta(days=13)
    assert year_before(date(2025, 3, 15)) == date(2024, 4, 1)
    assert year_before(date(2026, 12, 31)) == date(2026, 1, 1)
