"""Physics report card of a set of NEMO states: water-mass boxes, density inversions, sigma0
profile, C1/C2 residuals, spread and N2. All in float64, with the model's own EOS.

Static stability (inversions, N² < 0) is judged as N² (NEMO's ``bn2``) judges it: on the
locally referenced density step of each interface, both cells at the interface depth, not on
sigma0, which inverts in stable deep water where cold water lies under warmer, saltier water."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nemoml.generate.constraints import Physics
from nemoml.generate.density import Density
from nemoml.generate.gridinfo import GridInfo
from nemoml.generate.layout import Layout

# decrease of locally referenced density with depth (kg m-3) counted as an inversion; the
# first is the primary one
# (nemo-spinup-evaluation's eps), the others show how threshold-sensitive the figure is
INVERSION_THRESHOLDS = (1e-5, 1e-3, 1e-2)
DEPTH_BOX = 1500.0  # m, as in the paper tables
LAT_BOX = 30.0
BOX_TOP = 500.0  # m: both water-mass boxes lie below the seasonal surface layer


def identity_layout(grid: GridInfo) -> Layout:
    """A layout whose 'normalised' channels are the physical values (mean 0, std 1)."""
    return Layout(grid, ("T", "S"), multiple=1)


@dataclass
class SetMetrics:
    """Per-state metrics of one set; ``summary()`` gives mean and std of each."""

    name: str
    per_state: dict
    profiles: dict
    maps: dict

    def summary(self) -> dict:
        out = {"n_states": int(len(next(iter(self.per_state.values()))))}
        for key, vals in self.per_state.items():
            vals = np.asarray(vals, np.float64)
            out[key] = {"mean": float(vals.mean()), "std": float(vals.std())}
        for key in ("c1_bias", "c2_bias", "ts_bias", "sigma0_profile_error", "spread_sst",
                    "spread_sss", "spread_t_deep", "pattern_spread_sst", "pattern_spread_sss",
                    "diversity"):
            out[key] = float(self.profiles[key])
        for key in ("level_spread_T", "level_spread_S", "level_resolution_T",
                    "level_resolution_S"):
            out[key] = [float(v) for v in self.profiles[key]]
        near = np.asarray(self.per_state.get("nearest_train", [np.nan]))
        out["nearest_train_median"] = float(np.median(near))
        return out


class ReportCard:
    """Computes the report card of state sets on one grid.

    Parameters
    ----------
    grid : GridInfo
        Mesh-mask fields.
    eos : str or Density
        The model's own equation of state.
    reference : dict, optional
        Fields (``T``, ``S`` (n, z, y, x)) of the reference (training) set; its mean profiles
        are the C1/C2/T-S targets.
    depth_box : float
        Bottom/Deep-Water boundary depth (m).
    """

    def __init__(self, grid: GridInfo, eos="eos80", reference: dict | None = None,
                 depth_box: float = DEPTH_BOX):
        self.grid = grid
        self.density = eos if isinstance(eos, Density) else Density(eos)
        self.layout = identity_layout(grid)
        self.physics = Physics(self.layout, self.density)
        self.depth_box = depth_box
        g = grid
        vol = g.tmask * g.thickness() * g.area[None]  # e3t_0 where the mesh mask has it
        # depth and latitude bands: Bottom-Water below depth_box everywhere and from BOX_TOP
        # down poleward of LAT_BOX (the U of the seed's sector), Deep-Water from BOX_TOP to
        # depth_box equatorward. Water above BOX_TOP is in neither: on GYRE 62 % of the
        # surface lies north of 30°, and "z > depth_box or |lat| > 30°" made its seasonal
        # surface layer Bottom Water
        below = g.gdept[:, None, None] > BOX_TOP
        deep = g.gdept[:, None, None] > depth_box
        polar = np.abs(g.lat)[None] > LAT_BOX
        self.w_bw = vol * (deep | (polar & below))
        self.w_dw = vol * (below & ~deep & ~polar)
        # interface (k, k+1) between two ocean cells, weighted by its w-cell volume
        both = g.tmask[:-1] & g.tmask[1:]
        self.w_int = both * g.e3w[1:, None, None] * g.area[None]
        self.targets = None
        self.scale = self.train = self.centre = None
        if reference is not None:
            self.targets = {n: self._raw(n, reference).mean(0) for n in ("c1", "c2", "ts")}
            # distances between states: T and S anomalies from the reference mean over one
            # std per variable (over every ocean cell and state), each ocean cell counting once
            ocean = g.tmask
            self.centre = {v: np.asarray(reference[v], np.float64).mean(0) for v in ("T", "S")}
            self.scale = {v: float(np.asarray(reference[v])[:, ocean].std()) for v in ("T", "S")}
            self.train = self.vectors(reference)

    def _x(self, fields: dict) -> torch.Tensor:
        return self.layout.encode(fields, "report card", dtype=np.float64)

    def _raw(self, name: str, fields: dict) -> np.ndarray:
        with torch.no_grad():
            return self.physics.raw(name, self._x(fields)).numpy()

    def sigma0(self, fields: dict) -> np.ndarray:
        with torch.no_grad():
            t = torch.as_tensor(np.asarray(fields["T"], np.float64))
            s = torch.as_tensor(np.asarray(fields["S"], np.float64))
            return self.density.sigma0(t, s).numpy() * self.grid.tmask

    def local_step(self, fields: dict) -> np.ndarray:
        """Locally referenced density step of each interface (z-1, at ``gdepw[1:]``), kg m-3."""
        with torch.no_grad():
            t = torch.as_tensor(np.asarray(fields["T"], np.float64))
            s = torch.as_tensor(np.asarray(fields["S"], np.float64))
            return self.density.local_step(t, s, self.grid.gdepw[1:]).numpy()

    def n2(self, fields: dict) -> np.ndarray:
        with torch.no_grad():
            t = torch.as_tensor(np.asarray(fields["T"], np.float64))
            s = torch.as_tensor(np.asarray(fields["S"], np.float64))
            return self.density.n2(t, s, self.grid.gdepw, self.grid.e3w).numpy()

    def vectors(self, fields: dict) -> torch.Tensor:
        """States as (n, cells) anomaly vectors in units of the reference's std."""
        ocean = self.grid.tmask
        parts = []
        for v in ("T", "S"):
            anom = (np.asarray(fields[v], np.float64) - self.centre[v]) / self.scale[v]
            parts.append(anom[:, ocean])
        return torch.from_numpy(np.concatenate(parts, 1))

    def _distances(self, per: dict, profiles: dict, fields: dict, is_reference: bool) -> None:
        """Nearest-training-state distance of each state (memorisation) and the set's mean
        pairwise distance (diversity), RMS over cells in reference-std units."""
        x = self.vectors(fields)
        cells = x.shape[1]
        n = x.shape[0]
        pair = _cdist(x, x) / np.sqrt(cells)
        profiles["diversity"] = float(pair[np.triu_indices(n, 1)].mean()) if n > 1 else np.nan
        near = _cdist(x, self.train) / np.sqrt(cells)
        if is_reference and near.shape[0] == near.shape[1]:  # each against the others
            np.fill_diagonal(near, np.inf)
        per["nearest_train"] = near.min(1)

    def evaluate(self, name: str, fields: dict, is_reference: bool = False) -> SetMetrics:
        """Metrics of one set; ``is_reference``: the set is the reference (training) set
        itself, so its nearest-training distances leave each state out."""
        self.layout.check(fields, name)
        temp = np.asarray(fields["T"], np.float64)
        sal = np.asarray(fields["S"], np.float64)
        per: dict[str, np.ndarray] = {}
        for box, w in (("bw", self.w_bw), ("dw", self.w_dw)):
            # a grid too shallow for a box has no value for it (NaN), not an error
            total = w.sum() if w.sum() > 0 else np.nan
            per[f"{box}_T"] = (temp * w).sum((1, 2, 3)) / total
            per[f"{box}_S"] = (sal * w).sum((1, 2, 3)) / total
        sig = self.sigma0(fields)
        drop = -self.local_step(fields)  # > 0: lighter water below heavier water, locally
        wsum = self.w_int.sum()
        for thr in INVERSION_THRESHOLDS:
            per[f"inversion_pct_{thr:g}"] = 100 * ((drop > thr) * self.w_int).sum((1, 2, 3)) / wsum
        n2 = self.n2(fields)
        per["n2_negative_pct"] = 100 * ((n2 < 0) * self.w_int).sum((1, 2, 3)) / wsum
        per["n2_median"] = np.array([np.median(v[self.w_int > 0]) for v in n2])
        per["n2_p01"] = np.array([np.percentile(v[self.w_int > 0], 1) for v in n2])
        profiles: dict = {"sigma0": self._raw("c1", fields), "diversity": float("nan")}
        if self.targets is not None:
            for cname in ("c1", "c2", "ts"):
                h = self._raw(cname, fields) - self.targets[cname]
                # bias: the constraint holds in expectation, so it is judged on the set's mean;
                # rms: how far single states are from the target profile
                profiles[f"{cname}_bias"] = float(np.sqrt(np.mean(h.mean(0) ** 2)))
                per[f"{cname}_rms"] = np.sqrt(np.mean(h**2, 1))
            profiles["sigma0_profile_error"] = float(
                np.abs(profiles["sigma0"].mean(0) - self.targets["c1"]).max()
            )
        else:
            for key in ("c1_bias", "c2_bias", "ts_bias", "sigma0_profile_error"):
                profiles[key] = float("nan")
        if self.train is not None:
            self._distances(per, profiles, fields, is_reference)
        tm = self.grid.tmask
        ocean_levels = np.flatnonzero(tm.any((1, 2)))
        deep = int(min(np.searchsorted(self.grid.gdept, self.depth_box), ocean_levels[-1]))
        maps = {"std_sst": temp[:, 0].std(0) * tm[0], "std_sss": sal[:, 0].std(0) * tm[0],
                "std_t_deep": temp[:, deep].std(0) * tm[deep]}
        profiles["spread_sst"] = float(maps["std_sst"][tm[0]].mean())
        profiles["spread_sss"] = float(maps["std_sss"][tm[0]].mean())
        profiles["spread_t_deep"] = float(maps["std_t_deep"][tm[deep]].mean())
        # per-level spread (mean over the level's ocean points of the std across states):
        # checked from both sides, since noise inflates it where collapse shrinks it
        for key, field in (("T", temp), ("S", sal)):
            profiles[f"level_spread_{key}"] = np.array(
                [field[:, k].std(0)[tm[k]].mean() for k in ocean_levels])
            # what float32 states (NEMO's output, the database) resolve at the level's values:
            # one float32 spacing; at 35 psu 3.8e-6, about the deep data's spread under T-S
            profiles[f"level_resolution_{key}"] = np.array(
                [np.spacing(np.float32(np.abs(field[:, k][:, tm[k]]).max()), dtype=np.float32)
                 for k in ocean_levels], np.float64)
        # the same spread of each state's departure from its own surface mean: constraints
        # on level means remove the basin-wide (here seasonal) part of the spread by design,
        # so "collapse to the mean" is judged on the pattern that is left
        area = self.grid.area * tm[0]
        for key, field in (("sst", temp[:, 0]), ("sss", sal[:, 0])):
            anom = field - ((field * area).sum((1, 2)) / area.sum())[:, None, None]
            profiles[f"pattern_spread_{key}"] = float(anom.std(0)[tm[0]].mean())
        maps["zonal_sigma0"] = _zonal_mean(sig.mean(0), tm)
        maps["n2_profile"] = np.array([
            (n2[:, k] * self.w_int[k]).sum() / max(self.w_int[k].sum() * len(n2), 1e-30)
            for k in range(n2.shape[1])
        ])
        return SetMetrics(name, per, profiles, maps)


def _zonal_mean(field: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean along x over ocean points, NaN where a row has none: (z, y)."""
    count = mask.sum(-1)
    total = (field * mask).sum(-1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _cdist(a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    """Euclidean distances without the |a|² + |b|² - 2ab shortcut, which cancels to zero
    for nearby states."""
    return torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist").numpy()
