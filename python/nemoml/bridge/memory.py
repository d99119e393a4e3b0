"""Resident memory of this process (Linux ``/proc``), and where a hook spent time and memory.

The peak (``VmHWM``) is reset between phases (``clear_refs``), so each phase's own peak is read;
where ``/proc`` is missing the figures are 0.
"""

from __future__ import annotations

import time


def _status(key: str) -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss() -> int:
    """Resident bytes now."""
    return _status("VmRSS")


def peak() -> int:
    """Peak resident bytes since the last ``reset_peak`` (or the start)."""
    return _status("VmHWM")


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class Phases:
    """Seconds, bytes moved and peak resident memory (above the start) of successive phases."""

    def __init__(self) -> None:
        self.start_rss = rss()
        self.life_peak = peak()  # the process's peak so far, kept across the resets
        self.figures: dict[str, float] = {"rss_start_gb": self.start_rss / 1e9}
        self._t = time.perf_counter()
        reset_peak()

    def mark(self, phase: str, nbytes: int | None = None) -> None:
        now = time.perf_counter()
        top = peak()
        self.life_peak = max(self.life_peak, top)
        self.figures[f"{phase}_s"] = round(now - self._t, 4)
        self.figures[f"{phase}_peak_over_start_gb"] = round((top - self.start_rss) / 1e9, 4)
        if nbytes is not None:
            self.figures[f"{phase}_bytes"] = int(nbytes)
        self._t = now
        reset_peak()
