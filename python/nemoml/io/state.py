"""The ocean state nemoml exchanges with NEMO: T, S, U, V on levels and SSH."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nemoml.grid import Grid, NemoFileError

# State field -> (C-grid point, units, CF standard name, long name)
FIELDS = {
    "T": ("T", "degC", "sea_water_potential_temperature", "temperature (CT under TEOS-10)"),
    "S": ("T", "1e-3", "sea_water_practical_salinity", "salinity (SA under TEOS-10)"),
    "U": ("U", "m s-1", "sea_water_x_velocity", "velocity along i at U points"),
    "V": ("V", "m s-1", "sea_water_y_velocity", "velocity along j at V points"),
    "SSH": ("T", "m", "sea_surface_height_above_geoid", "sea surface height"),
}


@dataclass(eq=False)
class State:
    """T, S, U, V as (z, y, x) and SSH as (y, x) float64 arrays, plus an optional time.

    ``time`` is in days since the start of the run (NEMO's ``adatrj``) when known.
    """

    T: np.ndarray
    S: np.ndarray
    U: np.ndarray
    V: np.ndarray
    SSH: np.ndarray
    time: float | None = None

    def __post_init__(self) -> None:
        for name in FIELDS:
            a = np.asarray(getattr(self, name))
            if a.dtype.kind not in "fiu":
                raise TypeError(f"State.{name}: expected a real array, got dtype {a.dtype}")
            setattr(self, name, np.ascontiguousarray(a, dtype=np.float64))

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.T.shape

    def fields(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in FIELDS}

    def check(self, grid: Grid | None = None, where: str = "state") -> State:
        """Raise a clear error on wrong ranks/shapes, NaN/inf, or a shape unlike ``grid``'s."""
        shape3 = grid.shape if grid is not None else self.T.shape
        if len(shape3) != 3:
            raise NemoFileError(where, f"expected a (z, y, x) field, found shape {shape3}", "T")
        for name, a in self.fields().items():
            want = shape3[1:] if name == "SSH" else shape3
            if a.shape != want:
                ref = "the grid" if grid is not None else "T"
                raise NemoFileError(where, f"shape {a.shape} does not match {ref} {want}", name)
            if not np.isfinite(a).all():
                raise NemoFileError(where, f"holds {int((~np.isfinite(a)).sum())} NaN/inf "
                                    "values", name)
        return self

    def masked(self, grid: Grid) -> State:
        """A copy with land points set to 0, as NEMO stores them."""
        self.check(grid)
        out = {}
        for name, (point, *_) in FIELDS.items():
            m = grid.mask(point)
            out[name] = getattr(self, name) * (m[0] if name == "SSH" else m)
        return State(**out, time=self.time)

    def land_mismatch(self, grid: Grid, tol: float = 0.0) -> tuple[str, int] | None:
        """First field with nonzero values on land of ``grid`` (a sign of another mesh)."""
        for name, (point, *_) in FIELDS.items():
            m = grid.mask(point)
            land = ~(m[0] if name == "SSH" else m)
            bad = int((np.abs(getattr(self, name)[land]) > tol).sum())
            if bad:
                return name, bad
        return None

    def barotropic(self, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
        """Depth-mean velocities (NEMO's ``uu_b, vv_b``): sum_k e3u u umask / hu, 0 on land."""
        out = []
        for name in ("U", "V"):
            point = name
            m = grid.mask(point)
            e3 = grid.thickness(point) * m
            h = e3.sum(axis=0)
            flux = (getattr(self, name) * e3).sum(axis=0)
            out.append(np.divide(flux, h, out=np.zeros_like(h), where=h > 0))
        return out[0], out[1]

    def allclose(self, other: State, rtol: float = 0.0, atol: float = 0.0) -> bool:
        return all(np.allclose(a, getattr(other, n), rtol=rtol, atol=atol)
                   for n, a in self.fields().items())
