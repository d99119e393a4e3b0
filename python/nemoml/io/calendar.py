"""NEMO's calendars (``nn_leapy``, daymod.F90) and its dates ``YYYYMMDD.HHMMSS``.

One calendar for every room: the increments file's dates, the cycled-assimilation clock and
the settings' checks of ``nn_date0`` all count days here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

_MONTHS_365 = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def nemo_add_days(date0: int, days: float, leapy: int) -> float:
    """The NEMO date ``YYYYMMDD.HHMMSS`` that is ``days`` after 00:00 of ``date0`` (YYYYMMDD,
    e.g. GYRE's 10101 = 0001-01-01) in NEMO's calendar ``leapy`` (``nn_leapy``, daymod.F90):
    1 Gregorian with leap years, 0 years of 365 days, n >= 2 months of n days (30: 360-day).

    Raises
    ------
    ValueError
        For an impossible ``date0`` in that calendar, or an unknown ``leapy``.
    """
    y, m, d = int(date0) // 10000, int(date0) // 100 % 100, int(date0) % 100
    if leapy < 0:
        raise ValueError(f"nn_leapy = {leapy}: NEMO knows 1 (Gregorian), 0 (365-day) or a month "
                         "length (30: 360-day)")
    month_len = (leapy if leapy >= 2 else
                 (_MONTHS_365[m] - _MONTHS_365[m - 1] if 1 <= m <= 12 else 0))
    if leapy == 1 and m == 2 and d == 29 and (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        month_len = 29
    if not (y >= 1 and 1 <= m <= 12 and 1 <= d <= month_len):
        raise ValueError(f"nn_date0 = {date0} is not a date of the nn_leapy = {leapy} calendar")
    whole = int(np.floor(days))
    sec = round((days - whole) * 86400.0)
    whole, sec = whole + sec // 86400, sec % 86400
    if leapy == 1:
        t = dt.date(y, m, d) + dt.timedelta(days=whole)
        y, m, d = t.year, t.month, t.day
    elif leapy == 0:
        n = (y - 1) * 365 + int(_MONTHS_365[m - 1]) + d - 1 + whole
        y, doy = n // 365 + 1, n % 365
        m = int(np.searchsorted(_MONTHS_365, doy, side="right"))
        y, d = y, doy - int(_MONTHS_365[m - 1]) + 1
    else:
        n = ((y - 1) * 12 + m - 1) * leapy + d - 1 + whole
        y, m, d = n // (12 * leapy) + 1, n // leapy % 12 + 1, n % leapy + 1
    hms = sec // 3600 * 10000 + sec // 60 % 60 * 100 + sec % 60
    return y * 10000 + m * 100 + d + hms * 1e-6


def nemo_date(value) -> float:
    """A NEMO date ``YYYYMMDD.HHMMSS`` from such a float or a datetime-like (cftime too).

    Raises
    ------
    ValueError
        For an impossible date (month 13, minute 61...).
    """
    if hasattr(value, "year"):
        day = value.year * 10000 + value.month * 100 + value.day
        sec = getattr(value, "hour", 0) * 10000 + getattr(value, "minute", 0) * 100
        sec += getattr(value, "second", 0)
        return day + sec * 1e-6
    value = float(value)
    day = int(value)
    hms = round((value - day) * 1e6)
    y, m, d = day // 10000, day // 100 % 100, day % 100
    h, mi, s = hms // 10000, hms // 100 % 100, hms % 100
    if not (y >= 0 and 1 <= m <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 60):
        raise ValueError(f"{value!r} is not a NEMO date YYYYMMDD.HHMMSS")
    return value


def day_number(date: int, leapy: int) -> int:
    """Days from 0001-01-01 to ``date`` (YYYYMMDD) in NEMO's calendar ``leapy`` (``nn_leapy``:
    1 Gregorian, 0 365-day, n >= 2 months of n days, 30 the 360-day calendar)."""
    nemo_add_days(date, 0.0, leapy)  # the date must exist in the calendar
    y, m, d = date // 10000, date // 100 % 100, date % 100
    if leapy == 1:
        return dt.date(y, m, d).toordinal() - 1
    if leapy == 0:
        return (y - 1) * 365 + int(_MONTHS_365[m - 1]) + d - 1
    return ((y - 1) * 12 + m - 1) * leapy + d - 1
