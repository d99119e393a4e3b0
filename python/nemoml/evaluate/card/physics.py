"""Physics report card of a set of NEMO states: water-mass boxes, density inversions, sigma0
profile, C1/C2 residuals, spread and N2. All in float64, with the model's own EOS.

Static stability (inversions, N² < 0) is judged as N² (NEMO's ``bn2``) judges it: on the
locally referenced density step of each interface, both cells at the interface depth, not on
sigma0, which inverts in stable deep water where cold water lies under warmer, saltier water."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nemoml.eos.density import Density
from nemoml.evaluate.card.quantities import Physics
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout

# decrease of locally referenced density with depth (kg m-3) counted as an inversion; the
# first is the primary one
# (nemo-spinup-evaluation's eps), the others show how threshold-sensitive the figure is
INVERSION_THRESHOLDS = (1e-5, 1e-3, 1e-2)
DEPTH_BOX = 1500.0  # m, as in the paper tables
LAT_BOX = 30.0
BOX_TOP = 500.0  # m: both water-mass boxes lie below the seasonal surface layer
# states per pass: the card's float64 work arrays (density, N², encoded channels, anomaly
# vectors) are a few copies of this many states, not of the whole set, which on a grid 10x
# GYRE's made the reference card the peak of a whole training run
CHUNK_STATES = 16


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
        are the C1/C2/T-S targets unless ``targets`` is given.
    depth_box : float
        Bottom/Deep-Water boundary depth (m).
    targets : dict, optional
        C1/C2/T-S target profiles (``c1``, ``c2``, ``ts`` as an exported generator carries
        them): the residuals are measured against these, e.g. the profiles a generator was
        trained to meet, instead of the reference's mean.
    chunk : int
        States per pass. Every figure is the same bit for bit whatever the chunk, except
        ``maps["n2_profile"]`` (plots only), a sum over states of per-state sums: equal to
        float64 rounding to the sum over every cell of every state at once.

    Notes
    -----
    The reference's T and S are kept by reference, not copied: its anomaly vectors (for the
    nearest-training distances) are made chunk by chunk when a set is evaluated.
    """

    def __init__(self, grid: GridInfo, eos="eos80", reference: dict | None = None,
                 depth_box: float = DEPTH_BOX, chunk: int = CHUNK_STATES,
                 targets: dict | None = None):
        if chunk < 1:
            raise ValueError(f"chunk must be >= 1 state, got {chunk}")
        self.grid = grid
        self.chunk = chunk
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
        self.w_vol = vol  # every ocean cell (pattern_T, pattern_S)
        # interface (k, k+1) between two ocean cells, weighted by its w-cell volume
        both = g.tmask[:-1] & g.tmask[1:]
        self.w_int = both * g.e3w[1:, None, None] * g.area[None]
        self.targets = None
        self.scale = self.reference = self.centre = None
        if reference is not None:
            self.reference = {v: np.asarray(reference[v]) for v in ("T", "S")}
            raws: dict[str, list] = {n: [] for n in ("c1", "c2", "ts")}
            totals = {"T": None, "S": None}
            for _, c in self._chunks(reference, "reference"):
                for cname, parts in raws.items():
                    parts.append(self._raw(cname, c))
                for v in totals:
                    totals[v] = _add_states(totals[v], np.asarray(c[v], np.float64))
            self.targets = {cname: np.concatenate(p).mean(0) for cname, p in raws.items()}
            # distances between states: T and S anomalies from the reference mean over one
            # std per variable (over every ocean cell and state), each ocean cell counting once
            self.centre = {v: t / len(self.reference[v]) for v, t in totals.items()}
            # one copy of one variable in its own dtype: numpy's pairwise sum over all of it
            # has no chunked equal
            self.scale = {v: float(self.reference[v][:, g.tmask].std()) for v in ("T", "S")}
        if targets is not None:
            self.targets = self._given_targets(targets)

    def _given_targets(self, targets: dict) -> dict:
        """C1/C2/T-S profiles given by the caller, checked against this grid's levels."""
        n = len(self.layout.levels)
        sizes = {"c1": n, "c2": n - 1, "ts": 2 * n}
        out = {}
        for cname, size in sizes.items():
            if cname not in targets:
                raise KeyError(f"targets: profile {cname!r} is missing")
            value = np.asarray(targets[cname], np.float64)
            if value.shape != (size,):
                raise ValueError(f"targets: {cname} has {value.size} values, this grid's "
                                 f"{n} ocean levels need {size}")
            out[cname] = value
        return out

    def _chunks(self, fields: dict, where: str = "states"):
        """(first state, T and S of ``self.chunk`` states) in order, views of ``fields``, each
        checked (shapes, NaN at ocean points) on the way."""
        for v in ("T", "S"):
            if v not in fields:
                raise KeyError(f"{where}: variable {v} is missing")
        temp, sal = np.asarray(fields["T"]), np.asarray(fields["S"])
        for i in range(0, len(temp), self.chunk):
            chunk = {"T": temp[i:i + self.chunk], "S": sal[i:i + self.chunk]}
            self.layout.check(chunk, where, first=i)
            yield i, chunk

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

    def _cdist(self, a: dict, b: dict) -> np.ndarray:
        """Distances between the anomaly vectors of two sets, block by block of states (each
        distance is computed alone, so the blocks do not change it)."""
        out = np.empty((len(a["T"]), len(b["T"])))
        for i, ca in self._chunks(a):
            xa = self.vectors(ca)
            for j, cb in self._chunks(b):
                out[i:i + len(xa), j:j + len(cb["T"])] = _cdist(xa, self.vectors(cb))
        return out

    def _distances(self, per: dict, profiles: dict, fields: dict, is_reference: bool) -> None:
        """Nearest-training-state distance of each state (memorisation) and the set's mean
        pairwise distance (diversity), RMS over cells in reference-std units."""
        cells = 2 * int(self.grid.tmask.sum())  # T and S of every ocean cell
        n = len(fields["T"])
        pair = self._cdist(fields, fields) / np.sqrt(cells)
        profiles["diversity"] = float(pair[np.triu_indices(n, 1)].mean()) if n > 1 else np.nan
        near = self._cdist(fields, self.reference) / np.sqrt(cells)
        if is_reference and near.shape[0] == near.shape[1]:  # each against the others
            np.fill_diagonal(near, np.inf)
        per["nearest_train"] = near.min(1)

    def _per_state(self, chunk: dict) -> tuple[dict, np.ndarray, np.ndarray]:
        """Per-state metrics and raw C1/C2/T-S profiles (``raw_*``) of a few states, with
        their sigma0 and N² (float64)."""
        temp = np.asarray(chunk["T"], np.float64)
        sal = np.asarray(chunk["S"], np.float64)
        per: dict[str, np.ndarray] = {}
        for box, w in (("bw", self.w_bw), ("dw", self.w_dw)):
            # a grid too shallow for a box has no value for it (NaN), not an error
            total = w.sum() if w.sum() > 0 else np.nan
            per[f"{box}_T"] = (temp * w).sum((1, 2, 3)) / total
            per[f"{box}_S"] = (sal * w).sum((1, 2, 3)) / total
        # horizontal structure, which the level-mean constraints (C1, C2, T-S) leave free: RMS
        # over the ocean volume of each value's departure from its level's mean
        vol = self.w_vol
        for var, val in (("T", temp), ("S", sal)):
            level = (val * vol).sum((2, 3), keepdims=True) / np.maximum(
                vol.sum((1, 2), keepdims=True)[None], 1e-30)
            per[f"pattern_{var}"] = np.sqrt(((val - level) ** 2 * vol).sum((1, 2, 3))
                                            / vol.sum())
        sig = self.sigma0(chunk)
        drop = -self.local_step(chunk)  # > 0: lighter water below heavier water, locally
        wsum = self.w_int.sum()
        for thr in INVERSION_THRESHOLDS:
            per[f"inversion_pct_{thr:g}"] = 100 * ((drop > thr) * self.w_int).sum((1, 2, 3)) / wsum
        n2 = self.n2(chunk)
        per["n2_negative_pct"] = 100 * ((n2 < 0) * self.w_int).sum((1, 2, 3)) / wsum
        per["n2_median"] = np.array([np.median(v[self.w_int > 0]) for v in n2])
        per["n2_p01"] = np.array([np.percentile(v[self.w_int > 0], 1) for v in n2])
        for cname in ("c1", "c2", "ts"):
            per[f"raw_{cname}"] = self._raw(cname, chunk)
        return per, sig, n2

    def evaluate(self, name: str, fields: dict, is_reference: bool = False) -> SetMetrics:
        """Metrics of one set; ``is_reference``: the set is the reference (training) set
        itself, so its nearest-training distances leave each state out."""
        n = len(fields["T"])
        parts: dict[str, list] = {}
        sig_sum = n2_sum = None
        for _, chunk in self._chunks(fields, name):
            part, sig, n2 = self._per_state(chunk)
            for key, vals in part.items():
                parts.setdefault(key, []).append(vals)
            sig_sum = _add_states(sig_sum, sig)
            n2_sum = _add_states(n2_sum, (n2 * self.w_int).sum((2, 3)))
        per = {k: np.concatenate(v) for k, v in parts.items() if not k.startswith("raw_")}
        raw = {k[4:]: np.concatenate(v) for k, v in parts.items() if k.startswith("raw_")}
        profiles: dict = {"sigma0": raw["c1"], "diversity": float("nan")}
        if self.targets is not None:
            for cname in ("c1", "c2", "ts"):
                h = raw[cname] - self.targets[cname]
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
        if self.reference is not None:
            self._distances(per, profiles, fields, is_reference)
        maps = self._level_stats(fields, profiles)
        tm = self.grid.tmask
        maps["zonal_sigma0"] = _zonal_mean(sig_sum / n, tm)
        maps["n2_profile"] = np.array([n2_sum[k] / max(self.w_int[k].sum() * n, 1e-30)
                                       for k in range(len(n2_sum))])
        return SetMetrics(name, per, profiles, maps)

    def _level_stats(self, fields: dict, profiles: dict) -> dict:
        """Spreads across states, level by level (one level of every state in float64 at a
        time); fills ``profiles``, returns the spread maps."""
        tm = self.grid.tmask
        ocean_levels = np.flatnonzero(tm.any((1, 2)))
        deep = int(min(np.searchsorted(self.grid.gdept, self.depth_box), ocean_levels[-1]))
        maps = {"std_sst": _level(fields, "T", 0).std(0) * tm[0],
                "std_sss": _level(fields, "S", 0).std(0) * tm[0],
                "std_t_deep": _level(fields, "T", deep).std(0) * tm[deep]}
        profiles["spread_sst"] = float(maps["std_sst"][tm[0]].mean())
        profiles["spread_sss"] = float(maps["std_sss"][tm[0]].mean())
        profiles["spread_t_deep"] = float(maps["std_t_deep"][tm[deep]].mean())
        # per-level spread (mean over the level's ocean points of the std across states):
        # checked from both sides, since noise inflates it where collapse shrinks it
        for key in ("T", "S"):
            spread, resolution = [], []
            for k in ocean_levels:
                level = _level(fields, key, k)
                spread.append(level.std(0)[tm[k]].mean())
                # what float32 states (NEMO's output, the database) resolve at the level's
                # values: one float32 spacing; at 35 psu 3.8e-6, about the deep data's spread
                # under T-S
                resolution.append(np.spacing(np.float32(np.abs(level[:, tm[k]]).max()),
                                             dtype=np.float32))
            profiles[f"level_spread_{key}"] = np.array(spread)
            profiles[f"level_resolution_{key}"] = np.array(resolution, np.float64)
        # the same spread of each state's departure from its own surface mean: constraints
        # on level means remove the basin-wide (here seasonal) part of the spread by design,
        # so "collapse to the mean" is judged on the pattern that is left
        area = self.grid.area * tm[0]
        for key, var in (("sst", "T"), ("sss", "S")):
            field = _level(fields, var, 0)
            anom = field - ((field * area).sum((1, 2)) / area.sum())[:, None, None]
            profiles[f"pattern_spread_{key}"] = float(anom.std(0)[tm[0]].mean())
        return maps


def _level(fields: dict, var: str, k: int) -> np.ndarray:
    """Level ``k`` of every state of ``fields[var]``, float64: (n, y, x)."""
    return np.asarray(np.asarray(fields[var])[:, k], np.float64)


def _add_states(total: np.ndarray | None, block: np.ndarray) -> np.ndarray:
    """``total`` plus the states of ``block`` (axis 0), added one at a time in order, as
    numpy's sum over the first axis adds them: a sum built chunk by chunk equals that of the
    whole set bit for bit. ``total`` None: the sum of ``block`` alone."""
    for row in block:
        total = np.array(row, np.float64) if total is None else np.add(total, row, out=total)
    return total


def _zonal_mean(field: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean along x over ocean points, NaN where a row has none: (z, y)."""
    count = mask.sum(-1)
    total = (field * mask).sum(-1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _cdist(a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    """Euclidean distances without the |a|² + |b|² - 2ab shortcut, which cancels to zero
    for nearby states."""
    return torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist").numpy()
