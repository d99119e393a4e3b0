"""The clock of cycled assimilation: model dates of NEMO's time steps, windows, IAU weights.

Conventions (those of ``nemoml_cycle`` in ``csrc/nemoml.h``):

- The state handed at step ``kt`` is the state at the **end** of step ``kt``: model time
  ``(kt - it000 + 1) * rdt`` seconds after 00:00 of ``nn_date0`` (``nn_time0`` = 0).
- Samples are taken at the steps with ``(kt - it000 + 1) % freq == 0``; ``freq = 0`` means
  one a model day (``86400 / rdt`` steps).
- Window ``w`` (0-based) holds steps ``it000 + w L .. it000 + (w + 1) L - 1`` (``L`` steps =
  ``nn_nemoml_cycle`` days); the last one ends at ``itend`` and may be shorter (partial).
- At the end of window ``w`` (``kt = it000 - 1 + (w + 1) L``) the analysis increment is applied
  over the next ``min(L, itend - kt)`` steps, from ``kt + 1``: the increment of the last
  window before ``itend`` fits in the run. The window ending at ``itend`` is not analysed
  (nothing is left to apply it to).
- Observation times (``nemoml-obs-2`` ``time``) are days since 0001-01-01 00:00 in the host's
  calendar, as the GYRE files' ``time``; an observation at time ``t`` of day ``k`` of a window
  (``floor(t - window start) = k``) is compared with the state at the end of that day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nemoml.io.calendar import day_number, nemo_add_days


def iau_weights(n: int, iaufn: int) -> np.ndarray:
    """Weights of the ``n`` IAU steps, summing to one: ``nn_iaufn`` 0 constant, 1 a hat.

    The hat is ``min(j, n + 1 - j)`` normalised, j = 1..n. For odd ``n`` it is exactly NEMO
    5.0's ``asm_inc_init``; for even ``n`` that routine gives step ``n / 2`` the weight
    ``n / 2 + 1`` (not ``n / 2``) while normalising by ``2 (1 + ... + n / 2)``, so its weights
    sum to ``1 + 1 / (n/2 (n/2 + 1))``: the host must use these weights instead.
    """
    if n < 1:
        raise ValueError(f"IAU over {n} steps: needs at least one")
    if iaufn == 0:
        return np.full(n, 1.0 / n)
    if iaufn == 1:
        j = np.arange(1, n + 1)
        w = np.minimum(j, n + 1 - j).astype(np.float64)
        return w / w.sum()
    raise ValueError(f"nn_iaufn = {iaufn}: NEMO knows 0 (constant) or 1 (triangular hat)")


@dataclass(frozen=True)
class Clock:
    """The run's steps, samples and windows (see the module docstring)."""

    date0: int
    leapy: int
    rdt: float
    it000: int
    itend: int
    window_days: int
    freq: int = 0

    def __post_init__(self) -> None:
        if not self.rdt > 0:
            raise ValueError(f"rn_nemoml_rdt = {self.rdt}: the host's time step (rn_Dt, "
                             "seconds) must be > 0")
        if self.itend < self.it000:
            raise ValueError(f"nn_nemoml_itend = {self.itend} < nn_nemoml_it000 = {self.it000}")
        if self.window_days < 1:
            raise ValueError(f"nn_nemoml_cycle = {self.window_days}: a window of at least a day")
        if self.freq < 0:
            raise ValueError(f"nn_nemoml_freq = {self.freq} must be >= 0 (0: once a model day)")
        per_day = 86400.0 / self.rdt
        if self.freq == 0 and abs(per_day - round(per_day)) > 1e-9:
            raise ValueError(f"nn_nemoml_freq = 0 (daily) needs a whole number of steps a day; "
                             f"rn_Dt = {self.rdt:g} s gives {per_day:g}")
        window = self.window_days * per_day
        if abs(window - round(window)) > 1e-9:
            raise ValueError(f"a {self.window_days}-day window is {window:g} steps of "
                             f"{self.rdt:g} s: not a whole number")
        if self.window_steps % self.sample_steps:
            raise ValueError(f"the {self.window_days}-day window ({self.window_steps} steps) is "
                             f"not a multiple of nn_nemoml_freq = {self.sample_steps} steps")
        if self.window_steps > self.run_steps:
            raise ValueError(f"nn_nemoml_cycle = {self.window_days} days is longer than the run "
                             f"({self.run_steps} steps = {self.run_steps / per_day:g} days, "
                             f"nit000 = {self.it000}, nitend = {self.itend})")
        day_number(self.date0, self.leapy)

    @property
    def steps_per_day(self) -> float:
        return 86400.0 / self.rdt

    @property
    def sample_steps(self) -> int:
        return self.freq or round(self.steps_per_day)

    @property
    def window_steps(self) -> int:
        return round(self.window_days * self.steps_per_day)

    @property
    def run_steps(self) -> int:
        return self.itend - self.it000 + 1

    @property
    def n_windows(self) -> int:
        """Windows of the run, the last one possibly partial."""
        return math.ceil(self.run_steps / self.window_steps)

    @property
    def samples_per_window(self) -> int:
        return self.window_steps // self.sample_steps

    def is_sample(self, kt: int) -> bool:
        return self.it000 <= kt <= self.itend and (kt - self.it000 + 1) % self.sample_steps == 0

    def window_of(self, kt: int) -> int:
        return (kt - self.it000) // self.window_steps

    def window_end(self, w: int) -> int:
        return min(self.it000 - 1 + (w + 1) * self.window_steps, self.itend)

    def is_window_end(self, kt: int) -> bool:
        return self.it000 <= kt <= self.itend and kt == self.window_end(self.window_of(kt))

    def iau_steps(self, kt: int) -> int:
        """IAU length for the increment of the window ending at ``kt`` (0: not analysed)."""
        if not self.is_window_end(kt) or kt >= self.itend:
            return 0
        return min(self.window_steps, self.itend - kt)

    def days(self, kt: int) -> float:
        """Model days from 00:00 of ``date0`` to the end of step ``kt``."""
        return (kt - self.it000 + 1) * self.rdt / 86400.0

    def time(self, kt: int) -> float:
        """Days since 0001-01-01 00:00 (the observation files' time) at the end of step ``kt``."""
        return day_number(self.date0, self.leapy) + self.days(kt)

    def date(self, kt: int) -> float:
        """NEMO date ``YYYYMMDD.HHMMSS`` at the end of step ``kt``."""
        return nemo_add_days(self.date0, self.days(kt), self.leapy)

    def window_times(self, w: int) -> tuple[float, float]:
        """[start, end) of window ``w`` in observation time (days since 0001-01-01)."""
        return self.time(self.it000 - 1 + w * self.window_steps), self.time(self.window_end(w))

    def run_times(self) -> tuple[float, float]:
        return self.time(self.it000 - 1), self.time(self.itend)

    def describe(self) -> str:
        part = self.run_steps % self.window_steps
        tail = f", the last partial ({part} steps)" if part else ""
        return (f"{self.n_windows} window(s) of {self.window_days} day(s) = {self.window_steps} "
                f"steps{tail}, a sample every {self.sample_steps} steps")
