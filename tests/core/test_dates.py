"""`core.dates.ShownDates` gives what the templates' `date` filter gives, in both languages and
any time zone, whether it formats once per minute or each moment (a format with seconds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation

from cercle.core.dates import ShownDates

MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),  # Paris changes its clocks at 1:00
    datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, 10, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 0, 1, tzinfo=UTC),
] + [datetime(2026, 12, 7, 9, 0, tzinfo=UTC) + timedelta(seconds=37 * n) for n in range(40)]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Sydney", "UTC"])
@pytest.mark.parametrize("name", ["SHORT_DATETIME_FORMAT", "DATETIME_FORMAT", "DATE_FORMAT"])
def test_shown_dates_are_the_date_filter_s(language: str, zone: str, name: str) -> None:
    with translation.override(language), timezone.override(zone):
        dates = ShownDates(name)
        for moment in MOMENTS:
            local = timezone.localtime(moment)  # what the template gives the filter
            assert dates.text(moment) == date_filter(local, name), moment
            assert dates.iso(moment) == date_filter(local, "c"), moment


def test_a_format_with_seconds_is_made_for_each_moment() -> None:
    # A format string stands for itself where a setting's name goes (`formats.get_format`).
    with translation.override("en"), timezone.override("UTC"):
        dates = ShownDates("Y-m-d H:i:s")
        assert not dates.per_minute
        first = datetime(2026, 12, 7, 9, 0, 5, tzinfo=UTC)
        assert dates.text(first) == "2026-12-07 09:00:05"
        assert dates.text(first + timedelta(seconds=30)) == "2026-12-07 09:00:35"
        assert ShownDates("SHORT_DATETIME_FORMAT").per_minute
