"""NEMO's calendars (nn_leapy: 1 Gregorian, 0 365-day, 30 360-day) for the increments' dates,
and GYRE's nn_date0 = 10101 (year 1, which strptime cannot read)."""

import pytest

from nemoml.bridge.handlers.fourdvarnet import increment_dates
from nemoml.bridge.settings import Settings
from nemoml.io import nemo_add_days


@pytest.mark.parametrize(("date0", "days", "leapy", "expect"), [
    (20000101, 59, 1, 20000229),      # 2000 is a leap year
    (20000101, 366, 1, 20010101),
    (20000101, 59, 0, 20000301),      # no 29 February in a 365-day calendar
    (10101, 365, 0, 20101),
    (10101, 59, 30, 10230),           # 30-day months: 30 February exists
    (10101, 360, 30, 20101),
    (10101, 129 * 360 + 45, 30, 1300216),
    (20001231, 1, 30, 20010101),      # nn_date0 of the 31st is no 360-day date: see below
])
def test_days_after_date0(date0, days, leapy, expect):
    if leapy == 30 and date0 % 100 == 31:
        with pytest.raises(ValueError, match="not a date"):
            nemo_add_days(date0, days, leapy)
        return
    assert nemo_add_days(date0, days, leapy) == expect


def test_fractions_of_a_day_are_hhmmss():
    assert nemo_add_days(10101, 59.5, 30) == pytest.approx(10230.12, abs=1e-9)
    assert nemo_add_days(20000101, 0.25 + 1 / 86400, 1) == pytest.approx(20000101.060001, abs=1e-9)


def test_bad_calendar_or_date():
    with pytest.raises(ValueError, match="not a date"):
        nemo_add_days(20010229, 0, 1)
    with pytest.raises(ValueError, match="nn_leapy"):
        nemo_add_days(20000101, 0, -1)


def test_gyre_increment_dates_are_360_day_dates():
    gyre = Settings(nn_nemoml_date0=10101, nn_nemoml_leapy=30)
    # a 15-day window from day 45 of a 360-day year: 16 February to 1 March (Gregorian days
    # would give 15 February - 2 March)
    assert increment_dates(gyre, 45.0, 15) == (10216.0, 10301.0)
    assert increment_dates(Settings(nn_nemoml_date0=10101, nn_nemoml_leapy=1), 45.0, 15) \
        == (10215.0, 10302.0)


def test_a_bad_calendar_stops_at_init():
    bad = Settings(cn_nemoml_incout="inc.nc", nn_nemoml_date0=10230, nn_nemoml_leapy=0)
    with pytest.raises(ValueError, match="nn_date0 = 10230"):
        bad.validate()
    Settings(cn_nemoml_incout="inc.nc", nn_nemoml_date0=10230, nn_nemoml_leapy=30).validate()
