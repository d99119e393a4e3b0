"""The rolling background window of cycled assimilation, kept on the root rank.

Samples are global (levels, Nj0glo, Ni0glo) float32 copies of T, S (and 2-D SSH), so the window
costs ``n_samples x fields x global points x 4`` bytes: 10 daily GYRE samples (32 x 22 x 31,
T + S + SSH) 0.57 MB; 10 daily eORCA025 samples (1442 x 1207 x 75) 10.4 GB, hence float32.

The increment of window ``w`` enters the model during window ``w + 1`` by IAU, so that window's
samples hold only part of it. :meth:`RollingWindow.background` adds the part still to come
(``1 - `` the cumulated weights at each sample) so the next analysis does not correct again
what IAU is already correcting (a double count that makes cycling overshoot).
"""

from __future__ import annotations

import numpy as np


class RollingWindow:
    def __init__(self) -> None:
        self.kts: list[int] = []
        self.samples: list[dict[str, np.ndarray]] = []
        self.pending: tuple[int, np.ndarray, dict[str, np.ndarray]] | None = None

    def add(self, kt: int, state: dict[str, np.ndarray]) -> None:
        if self.kts and kt <= self.kts[-1]:
            raise ValueError(f"nemoml_cycle: kt = {kt} after kt = {self.kts[-1]}: the host's "
                             "steps must increase")
        self.kts.append(kt)
        self.samples.append({v: np.asarray(a, dtype=np.float32) for v, a in state.items()})

    def arm(self, kt: int, weights: np.ndarray, increment: dict[str, np.ndarray]) -> None:
        """The increment IAU applies from step ``kt + 1`` with ``weights``."""
        self.pending = (kt, np.cumsum(weights), increment)

    def still_to_come(self, kt: int) -> float:
        """Fraction of the pending increment not yet in the state at the end of step ``kt``."""
        if self.pending is None:
            return 0.0
        k0, cum, _ = self.pending
        j = kt - k0
        return 1.0 if j < 1 else max(0.0, 1.0 - float(cum[min(j, cum.size) - 1]))

    def background(self) -> dict[str, np.ndarray]:
        """The window's trajectory {name: (n, ...)} float32, the pending increment completed."""
        out = {v: np.stack([s[v] for s in self.samples]) for v in self.samples[0]}
        if self.pending is not None:
            inc = self.pending[2]
            for n, kt in enumerate(self.kts):
                f = self.still_to_come(kt)
                if f:
                    for v in out:
                        out[v][n] += np.float32(f) * inc[v].astype(np.float32)
        return out

    def clear(self) -> None:
        self.kts.clear()
        self.samples.clear()

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for s in self.samples for a in s.values())
