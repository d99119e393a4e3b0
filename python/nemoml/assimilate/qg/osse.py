"""The QG altimetry OSSE: truth, four simulated nadirs, splits, and the normalisation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nemoml.assimilate.obs.nadir import constellation, simulate
from nemoml.assimilate.obs.obsfile import ObsPoints, grid_obs
from nemoml.assimilate.qg import truth as qg
from nemoml.assimilate.qg.train import Windows


@dataclass
class Osse:
    truth: qg.Truth
    points: ObsPoints
    obs: np.ndarray  # gridded, NaN where unobserved (time, y, x), metres
    mask: np.ndarray
    mean: float
    std: float

    def windows(self, days: tuple[int, int]) -> Windows:
        """Normalised truth and observations of days [start, stop)."""
        sel = (self.truth.time >= days[0]) & (self.truth.time < days[1])
        norm = (self.truth.ssh[sel] - self.mean) / self.std
        obs = (self.obs[sel] - self.mean) / self.std
        return Windows(norm.astype(np.float32), obs.astype(np.float32), self.mask[sel],
                       self.points.noise_m / self.std)


def build(path=None, n: int = 64, n_sat: int = 4, noise_m: float = 0.02, seed: int = 0,
          norm: tuple[float, float] | None = None) -> Osse:
    """Load the truth, fly ``n_sat`` nadirs over it and grid their observations.

    The normalisation is the mean and std of the truth over the training years unless ``norm``
    gives them (a trained model's constants, e.g. on the embedded test sample).
    """
    truth = qg.load_truth(path, n)
    points = simulate(truth, constellation(n_sat), noise_m=noise_m, seed=seed)
    obs, mask = grid_obs(points, truth.x, truth.y, float(truth.time[0]), truth.time.size,
                         "simulated nadirs")
    if norm is None:
        train = truth.days(*qg.TRAIN_DAYS).ssh
        if train.size == 0:
            raise ValueError("the truth holds no training day: pass the model's normalisation")
        norm = (float(train.mean()), float(train.std()))
    return Osse(truth, points, obs, mask, norm[0], norm[1])
